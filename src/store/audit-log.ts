/**
 * The audit trail: append-only and hash-chained. Each entry's hash is SHA-256 over the
 * previous entry's hash and the entry's own content, so changing, removing or
 * reordering any row breaks the chain from that row on.
 */
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { Actor } from '../holds/types.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  at: string;
  actor: Actor;
  /** The system the change came from: mqtt, api, cli, rule engine, erp… */
  source: string;
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
  reason?: string;
}

interface AuditRow {
  seq: number;
  at: string;
  actor_type: string;
  actor: string;
  source: string;
  action: string;
  entity_type: string;
  entity_id: string;
  before: string | null;
  after: string | null;
  reason: string | null;
  prev_hash: string;
  hash: string;
}

/** The hash of a row: fixed field order, so the same content always hashes the same. */
export function entryHash(r: Omit<AuditRow, 'hash'>): string {
  const content = JSON.stringify([
    r.seq,
    r.at,
    r.actor_type,
    r.actor,
    r.source,
    r.action,
    r.entity_type,
    r.entity_id,
    r.before,
    r.after,
    r.reason,
    r.prev_hash,
  ]);
  return createHash('sha256').update(content).digest('hex');
}

export class AuditLog {
  private readonly last: Statement;
  private readonly insert: Statement;

  constructor(private readonly db: Db) {
    this.last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.insert = db.prepare(
      `INSERT INTO audit_log (seq, at, actor_type, actor, source, action, entity_type, entity_id, before, after, reason, prev_hash, hash)
       VALUES (@seq, @at, @actor_type, @actor, @source, @action, @entity_type, @entity_id, @before, @after, @reason, @prev_hash, @hash)`,
    );
  }

  /** Call inside the transaction that makes the change; reads the chain's tail from the store itself. */
  append(e: AuditInput): number {
    const tail = this.last.get() as { seq: number; hash: string } | undefined;
    const row: Omit<AuditRow, 'hash'> = {
      seq: (tail?.seq ?? 0) + 1,
      at: e.at,
      actor_type: e.actor.type,
      actor: e.actor.id,
      source: e.source,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId,
      before: e.before === undefined ? null : JSON.stringify(e.before),
      after: e.after === undefined ? null : JSON.stringify(e.after),
      reason: e.reason ?? null,
      prev_hash: tail?.hash ?? GENESIS_HASH,
    };
    this.insert.run({ ...row, hash: entryHash(row) });
    return row.seq;
  }

  query(filter: { entityType?: string; entityId?: string; limit?: number } = {}): AuditRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.entityType) {
      where.push('entity_type = ?');
      args.push(filter.entityType);
    }
    if (filter.entityId) {
      where.push('entity_id = ?');
      args.push(filter.entityId);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ?`;
    return this.db.prepare(sql).all(...args, filter.limit ?? 1000) as AuditRow[];
  }
}

export type VerifyResult =
  { ok: true; entries: number } | { ok: false; entries: number; seq: number; problem: string };

/** Walks the whole chain; names the first entry that does not match. */
export function verifyAuditChain(db: Db): VerifyResult {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let n = 0;
  for (const row of db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as Iterable<AuditRow>) {
    n++;
    if (row.seq !== expectedSeq)
      return {
        ok: false,
        entries: n,
        seq: row.seq,
        problem: `entry ${expectedSeq} is missing (the next entry is ${row.seq})`,
      };
    if (row.prev_hash !== prev)
      return {
        ok: false,
        entries: n,
        seq: row.seq,
        problem:
          'prev_hash does not match the previous entry (an entry was changed, removed or inserted before it)',
      };
    const { hash, ...rest } = row;
    if (entryHash(rest) !== hash)
      return {
        ok: false,
        entries: n,
        seq: row.seq,
        problem: 'content does not match its hash (the entry was changed)',
      };
    prev = hash;
    expectedSeq++;
  }
  return { ok: true, entries: n };
}
