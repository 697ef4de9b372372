/**
 * Who is calling: a bearer API token, or — in demo mode only — an anonymous admin.
 * Every refusal (no credentials, missing role, record outside the caller's scope) is
 * written to the audit log before the 401/403 goes out.
 */
import type { FastifyRequest } from 'fastify';
import type { AccessRepo } from '../store/access-repo.js';
import type { AuditLog } from '../store/audit-log.js';
import type { GroupCommitWriter } from '../store/group-commit.js';
import { authorize, type Permission, type Principal, type RecordScope } from '../access/roles.js';
import { ApiError } from './route.js';
import type { Actor } from '../holds/types.js';

/** The audit actor for a caller: the person behind a token, else the token as a service. */
export function actorOf(p: Principal): Actor {
  if (p.username) return { type: 'user', id: p.username };
  if (p.kind === 'token') return { type: 'service', id: `token:${p.id}` };
  return { type: 'user', id: p.id };
}

export const DEMO_PRINCIPAL: Principal = {
  kind: 'anonymous',
  id: 'demo',
  roles: ['admin'],
  plants: [],
  families: [],
};

export class Guard {
  constructor(
    private readonly deps: {
      mode: 'demo' | 'production';
      access: AccessRepo;
      audit: AuditLog;
      writer: GroupCommitWriter;
      now: () => Date;
    },
  ) {}

  async principal(req: FastifyRequest): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) {
      if (this.deps.mode === 'demo') return DEMO_PRINCIPAL;
      return { kind: 'anonymous', id: 'anonymous', roles: [], plants: [], families: [] };
    }
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const p = token ? this.deps.access.principalForToken(token, this.deps.now().toISOString()) : undefined;
    if (!p) {
      await this.refuse(
        req,
        { kind: 'anonymous', id: 'invalid-token', roles: [], plants: [], families: [] },
        'authenticate',
        'HG_UNAUTHENTICATED',
        'the token is unknown, revoked or expired',
      );
      throw new ApiError(
        401,
        'HG_UNAUTHENTICATED',
        'the bearer token is unknown, revoked or expired (create one with: holdgate tokens create)',
      );
    }
    return p;
  }

  async require(
    req: FastifyRequest,
    p: Principal,
    permission: Permission,
    scope?: RecordScope,
  ): Promise<void> {
    if (p.kind === 'anonymous' && p.roles.length === 0) {
      await this.refuse(req, p, permission, 'HG_UNAUTHENTICATED', 'no credentials');
      throw new ApiError(401, 'HG_UNAUTHENTICATED', 'this needs an API token (Authorization: Bearer hgt_…)');
    }
    const d = authorize(p, permission, scope);
    if (d.ok) return;
    await this.refuse(req, p, permission, d.code, d.reason);
    throw new ApiError(403, d.code, d.reason);
  }

  /** Writes an ACCESS_DENIED audit entry (also for refusals the domain decides, e.g. self-approval). */
  refuse(
    req: FastifyRequest,
    p: Principal,
    attempted: string,
    code: string,
    reason: string,
  ): Promise<unknown> {
    const at = this.deps.now().toISOString();
    return this.deps.writer.submit(() =>
      this.deps.audit.append({
        at,
        actor: actorOf(p),
        source: `api ${req.ip}`,
        action: 'ACCESS_DENIED',
        entityType: 'route',
        entityId: `${req.method} ${req.routeOptions.url ?? req.url}`,
        after: { attempted, code },
        reason,
      }),
    );
  }
}
