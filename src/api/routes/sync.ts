/** The ERP link over HTTP: status per target, the exception queue, retry / edit-and-retry / resolve, resume. */
import { z } from 'zod';
import type { Api } from '../route.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../auth.js';
import { acceptConflict, resolveException, retryException } from '../../sync/service.js';

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
    method: 'GET',
    url: '/api/v1/sync/conflicts',
    summary:
      'Differences between an ERP and Holdgate found by the inbound pull (OPEN until accepted or cleared)',
    tag: 'sync',
    permission: 'sync.read',
    query: z.object({
      state: z.enum(['OPEN', 'CLEARED', 'ACCEPTED']).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    handler: ({ query }) => ({ conflicts: deps.repos.erp.conflicts(query.state ?? null, query.limit) }),
  });
  api.route({
    method: 'POST',
    url: '/api/v1/sync/conflicts/:id/accept',
    summary:
      "Accept the ERP's figure for a lot after finding out why it differs; it becomes the new baseline",
    tag: 'sync',
    permission: 'sync.operate',
    params: z.object({ id: z.coerce.number().int().positive() }),
    body: z.strictObject({ reason: z.string().trim().min(3) }),
    handler: async ({ params, body, principal }) => {
      await deps.command((r) =>
        acceptConflict(r, params.id, body.reason, actorOf(principal), deps.now().toISOString()),
      );
      return { id: params.id, state: 'ACCEPTED' };
    },
  });
  api.route({
    method: 'POST',
    url: '/api/v1/sync/targets/:target/pull',
    summary: 'Pull products, lots and quantities from a Tryton target now and reconcile its hold location',
    tag: 'sync',
    permission: 'sync.operate',
    params: z.object({ target: z.string().min(1) }),
    handler: async ({ params }) => ({ target: params.target, ...(await deps.sync().pull(params.target)) }),
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
