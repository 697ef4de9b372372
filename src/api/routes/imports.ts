/** Imports (JSON or CSV), all or nothing per file, every bad row reported. */
import { z } from 'zod';
import type { Api } from '../route.js';
import { ApiError } from '../route.js';
import type { ApiDeps } from '../deps.js';
import { IMPORT_KINDS, type ImportKind } from '../../imports/schemas.js';
import { ImportRejected, applyImport, csvRows, jsonRows, validateRows } from '../../imports/run.js';
import { actorOf } from '../auth.js';

const KINDS = Object.keys(IMPORT_KINDS) as [ImportKind, ...ImportKind[]];
const ORDER_KINDS: ReadonlySet<ImportKind> = new Set(['customer-orders', 'work-orders', 'supplier-receipts']);

export function importRoutes(api: Api, deps: ApiDeps): void {
  api.route({
    method: 'POST',
    url: '/api/v1/imports/:kind',
    summary:
      'Import items, lots, serials, locations, customer orders, work orders or supplier receipts (JSON list or CSV)',
    tag: 'imports',
    permission: null,
    params: z.object({ kind: z.enum(KINDS, `must be one of ${KINDS.join(', ')}`) }),
    body: z.unknown(),
    bodyTypes: ['text/csv'],
    handler: async ({ params, req, principal, require }) => {
      await require(ORDER_KINDS.has(params.kind) ? 'order.import' : 'material.import');
      try {
        const source = typeof req.body === 'string' ? csvRows(params.kind, req.body) : jsonRows(req.body);
        const rows = validateRows(params.kind, source);
        const at = deps.now().toISOString();
        const applied = await deps.command((r) => applyImport(r, params.kind, rows, actorOf(principal), at));
        return { kind: params.kind, applied };
      } catch (err) {
        if (err instanceof ImportRejected)
          throw new ApiError(422, 'HG_IMPORT_REJECTED', err.message, err.problems);
        throw err;
      }
    },
  });
}
