/**
 * The HTTP app, built apart from `listen` so tests use `inject()` without a port.
 * Later issues register their routes as plugins here.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface AppDeps {
  log: Logger;
  metrics: Metrics;
  readiness: () => Readiness;
  startedAt: Date;
  version: string;
  mode: string;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- keeps FastifyInstance's default logger type, which pino's richer Logger does not match
    loggerInstance: deps.log.child({ component: 'http' }) as FastifyBaseLogger,
    // Probes and scrapes every few seconds would drown the journal.
    logController: new LogController({ disableRequestLogging: true }),
    // SIGTERM must not wait for a browser's keep-alive connection.
    forceCloseConnections: 'idle',
  });

  app.get('/healthz', () => ({
    status: 'ok',
    version: deps.version,
    mode: deps.mode,
    uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
  }));

  app.get('/readyz', (_req, reply) => {
    const r = deps.readiness();
    return reply
      .code(r.ready ? 200 : 503)
      .send({ status: r.ready ? 'ready' : 'not ready', checks: r.checks });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  return app;
}
