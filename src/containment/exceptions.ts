/**
 * Approved exceptions (deviation or concession): a signed, time-limited permission for
 * one named operation on named held material, e.g. "ship 20 units of LOT-7 to ACME
 * under concession C-118 until Friday". The interlock honours an active one and says
 * so; each use is recorded until the quantity is used up.
 */
import { createHash } from 'node:crypto';
import type { Repos } from './repos.js';
import type { Operation } from '../holds/types.js';
import type { Signer } from './dispositions.js';
import { DomainError } from '../errors.js';

export interface GrantInput {
  kind: 'DEVIATION' | 'CONCESSION';
  operation: Operation;
  subject: { kind: 'serial' | 'lot'; id: string };
  holdId?: string;
  quantity?: number;
  customer?: string;
  reference: string;
  reason: string;
  expiresAt: string;
}

export function exceptionHash(id: string, g: GrantInput): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        id,
        g.kind,
        g.operation,
        g.subject.kind,
        g.subject.id,
        g.holdId ?? null,
        g.quantity ?? null,
        g.customer ?? null,
        g.reference,
        g.expiresAt,
      ]),
    )
    .digest('hex');
}

export function grantException(r: Repos, g: GrantInput, signer: Signer, at: string): string {
  if (Date.parse(g.expiresAt) <= Date.parse(at))
    throw new DomainError('HG_EXCEPTION_EXPIRED', `expiresAt ${g.expiresAt} is not in the future`);
  const n = (r.db.prepare('SELECT count(*) + 1 AS n FROM approved_exceptions').get() as { n: number }).n;
  const id = `X-${String(n).padStart(6, '0')}`;
  const signatureId = r.dispositions.sign({
    signer: signer.username,
    printedName: signer.printedName,
    meaning: 'APPROVED',
    reason: g.reason,
    at,
    recordType: 'exception',
    recordId: `${id}@1`,
    recordHash: exceptionHash(id, g),
    authMethod: signer.authMethod,
  });
  r.db
    .prepare(
      `INSERT INTO approved_exceptions (id, kind, operation, subject_kind, subject, hold_id, quantity_limit, customer, reference, reason, expires_at, signature_id, created_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      id,
      g.kind,
      g.operation,
      g.subject.kind,
      g.subject.id,
      g.holdId ?? null,
      g.quantity ?? null,
      g.customer ?? null,
      g.reference,
      g.reason,
      new Date(g.expiresAt).toISOString(),
      signatureId,
      signer.username,
      at,
    );
  r.audit.append({
    at,
    actor: { type: 'user', id: signer.username },
    source: 'api',
    action: 'EXCEPTION_GRANTED',
    entityType: 'exception',
    entityId: id,
    after: { ...g, signatureId },
    reason: g.reason,
  });
  return id;
}

/** Records use of an exception (e.g. 5 units shipped under it); refuses more than is left. */
export function useException(
  r: Repos,
  id: string,
  quantity: number,
  by: string,
  reference: string | undefined,
  at: string,
): { used: number; state: string } {
  const x = r.db.prepare('SELECT * FROM approved_exceptions WHERE id = ?').get(id) as
    { state: string; expires_at: string; quantity_limit: number | null; used: number } | undefined;
  if (!x) throw new DomainError('HG_EXCEPTION_NOT_FOUND', `exception ${id} does not exist`);
  if (x.state !== 'ACTIVE') throw new DomainError('HG_EXCEPTION_NOT_ACTIVE', `exception ${id} is ${x.state}`);
  if (x.expires_at <= at)
    throw new DomainError('HG_EXCEPTION_EXPIRED', `exception ${id} expired at ${x.expires_at}`);
  const used = x.used + quantity;
  if (x.quantity_limit !== null && used > x.quantity_limit)
    throw new DomainError(
      'HG_EXCEPTION_EXHAUSTED',
      `exception ${id} has ${x.quantity_limit - x.used} left, not ${quantity}`,
    );
  const state = x.quantity_limit !== null && used >= x.quantity_limit ? 'USED_UP' : 'ACTIVE';
  r.db.prepare('UPDATE approved_exceptions SET used = ?, state = ? WHERE id = ?').run(used, state, id);
  r.audit.append({
    at,
    actor: { type: 'user', id: by },
    source: 'api',
    action: 'EXCEPTION_USED',
    entityType: 'exception',
    entityId: id,
    after: { quantity, used, state },
    reason: reference,
  });
  return { used, state };
}

export function revokeException(r: Repos, id: string, by: string, reason: string, at: string): void {
  const changed = r.db
    .prepare("UPDATE approved_exceptions SET state = 'REVOKED' WHERE id = ? AND state = 'ACTIVE'")
    .run(id).changes;
  if (changed === 0) throw new DomainError('HG_EXCEPTION_NOT_ACTIVE', `exception ${id} is not active`);
  r.audit.append({
    at,
    actor: { type: 'user', id: by },
    source: 'api',
    action: 'EXCEPTION_REVOKED',
    entityType: 'exception',
    entityId: id,
    reason,
  });
}
