/** Audit queries and a chain check. */
import { z } from 'zod';
import type { Api } from '../route.js';
import type { ApiDeps } from '../deps.js';
import { verifyAuditChain } from '../../store/audit-log.js';
import { brokenSignatures } from '../../containment/dispositions.js';

export function auditRoutes(api: Api, deps: ApiDeps): void {
  api.route({
    method: 'GET',
    url: '/api/v1/audit',
    summary: 'Audit entries, oldest first, optionally for one entity',
    tag: 'audit',
    permission: 'audit.read',
    query: z.object({
      entityType: z.string().optional(),
      entityId: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    }),
    handler: ({ query }) => ({ entries: deps.repos.audit.query(query) }),
  });
  api.route({
    method: 'GET',
    url: '/api/v1/audit/verify',
    summary: 'Walk the hash chain; names the first entry that does not match',
    tag: 'audit',
    permission: 'audit.read',
    handler: () => ({
      ...verifyAuditChain(deps.repos.db),
      brokenSignatures: brokenSignatures(deps.repos.dispositions),
    }),
  });
}
