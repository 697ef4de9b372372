/**
 * The HTTP app, built apart from `listen` so tests use `inject()` without a port.
 * Later issues register their routes as plugins here.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ApiDeps } from './deps.js';
import { Guard } from './auth.js';
import { Api } from './route.js';
import { holdRoutes } from './routes/holds.js';
import { materialRoutes } from './routes/material.js';
import { interlockRoutes } from './routes/interlocks.js';
import { auditRoutes } from './routes/audit.js';
import { importRoutes } from './routes/imports.js';
import { orderRoutes } from './routes/orders.js';
import { dispositionRoutes } from './routes/dispositions.js';
import { exceptionRoutes } from './routes/exceptions.js';
import { syncRoutes } from './routes/sync.js';

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
  /** The API proper; without it only health, readiness and metrics are served. */
  api?: ApiDeps;
}

/** Imports can be large CSV files; everything else is small. */
const BODY_LIMIT = 16 * 1024 * 1024;

function registerApi(app: FastifyInstance, deps: ApiDeps, version: string): void {
  // At the hard backlog bound, writes are refused (reads and interlocks keep working).
  app.addHook('onRequest', async (req, reply) => {
    const b = deps.backlog();
    const exempt = req.url.startsWith('/api/v1/interlocks') || req.url.startsWith('/api/v1/sync/');
    if (b.level === 'hard' && req.method !== 'GET' && req.url.startsWith('/api/') && !exempt) {
      const error = { code: 'HG_BACKLOG_FULL', message: `new work is refused: ${b.reason}`, issues: [] };
      return reply.code(503).header('retry-after', '30').send({ error });
    }
    return undefined;
  });
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );
  const guard = new Guard({
    mode: deps.mode,
    access: deps.access,
    audit: deps.repos.audit,
    writer: deps.writer,
    now: deps.now,
  });
  const api = new Api(app, guard);
  api.route({
    method: 'GET',
    url: '/api/v1/me',
    summary: 'Who the caller is: roles, plants and product families',
    tag: 'access',
    permission: null,
    handler: async ({ principal, require }) => {
      if (principal.roles.length === 0) await require('hold.read');
      return principal;
    },
  });
  holdRoutes(api, deps);
  materialRoutes(api, deps);
  interlockRoutes(api, deps);
  auditRoutes(api, deps);
  importRoutes(api, deps);
  orderRoutes(api, deps);
  dispositionRoutes(api, deps);
  exceptionRoutes(api, deps);
  syncRoutes(api, deps);
  const doc = api.openApi({ title: 'Holdgate API', version });
  app.get('/openapi.json', () => doc);
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
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

  if (deps.api) registerApi(app, deps.api, deps.version);
  return app;
}
