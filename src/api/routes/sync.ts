/** The ERP link over HTTP: status per target, the exception queue, retry / edit-and-retry / resolve, resume. */
import { z } from 'zod';
import type { Api } from '../route.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../auth.js';
import { resolveException, retryException } from '../../sync/service.js';

const row = z.object({ target: z.string().min(1), seq: z.coerce.number().int().positive() });

export function syncRoutes(api: Api, deps: ApiDeps): void {
  api.route({
    method: 'GET',
    url: '/api/v1/sync/status',
    summary: 'Per target: queue depth, oldest unacknowledged row, exceptions, stopped or circuit open',
    tag: 'sync',
    permission: 'sync.read',
    handler: () => ({ backlog: deps.backlog(), targets: deps.sync().status() }),
  });
  api.route({
    method: 'GET',
    url: '/api/v1/sync/exceptions',
    summary: 'Rows a target rejected; each blocks the later rows of its ordering key until a person acts',
    tag: 'sync',
    permission: 'sync.read',
    handler: () => ({ exceptions: deps.sync().deliveries.exceptions() }),
  });
  api.route({
    method: 'POST',
    url: '/api/v1/sync/exceptions/:target/:seq/retry',
    summary: 'Send a rejected row again, optionally with a corrected payload (edit and retry)',
    tag: 'sync',
    permission: 'sync.operate',
    params: row,
    body: z.strictObject({ payload: z.unknown().optional() }),
    handler: async ({ params, body, principal }) => {
      await deps.command((r) =>
        retryException(
          r,
          params.target,
          params.seq,
          body.payload,
          actorOf(principal),
          deps.now().toISOString(),
        ),
      );
      deps.sync().kick();
      return { target: params.target, seq: params.seq, state: 'QUEUED' };
    },
  });
  api.route({
    method: 'POST',
    url: '/api/v1/sync/exceptions/:target/:seq/resolve',
    summary: 'Settle a rejected row without sending it (e.g. fixed in the ERP by hand); unblocks its key',
    tag: 'sync',
    permission: 'sync.operate',
    params: row,
    body: z.strictObject({ reason: z.string().trim().min(3) }),
    handler: async ({ params, body, principal }) => {
      await deps.command((r) =>
        resolveException(
          r,
          params.target,
          params.seq,
          body.reason,
          actorOf(principal),
          deps.now().toISOString(),
        ),
      );
      deps.sync().kick();
      return { target: params.target, seq: params.seq, state: 'RESOLVED' };
    },
  });
  api.route({
    method: 'POST',
    url: '/api/v1/sync/targets/:target/resume',
    summary: 'Resume a target stopped by a 403 once its access is fixed',
    tag: 'sync',
    permission: 'sync.operate',
    params: z.object({ target: z.string().min(1) }),
    handler: ({ params }) => {
      deps.sync().resume(params.target);
      return { target: params.target, resumed: true };
    },
  });
}
