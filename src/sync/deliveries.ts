/**
 * Queries over sync_deliveries: which rows may go now (the head of each ordering key, or
 * the head of the whole target for global order), marking results, the exception queue
 * and status figures.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import type { OutgoingRow } from './connector.js';

export interface DueRow extends OutgoingRow {
  attempts: number;
}

export interface TargetStatus {
  target: string;
  queued: number;
  dead: number;
  acked: number;
  oldestQueuedAt: string | null;
}

export class Deliveries {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    const due = (
      scope: string,
    ) => `SELECT d.seq, d.ordering_key AS orderingKey, d.attempts, coalesce(d.payload_override, o.payload) AS payload,
        o.idempotency_key AS idempotencyKey, o.type, o.created_at AS createdAt
      FROM sync_deliveries d JOIN outbox o ON o.seq = d.seq
      WHERE d.target = @target AND d.state = 'QUEUED' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= @now)
        AND NOT EXISTS (SELECT 1 FROM sync_deliveries e WHERE e.target = d.target ${scope} AND e.seq < d.seq AND e.state IN ('QUEUED','DEAD'))
      ORDER BY d.seq LIMIT @limit`;
    this.s = {
      duePerKey: p(due('AND e.ordering_key = d.ordering_key')),
      dueGlobal: p(due('')),
      // Outbox sequence and creation time grow together: the first row written since a time.
      // INDEXED BY: min(seq) alone makes SQLite walk the whole table when no row qualifies.
      firstSince: p(
        'SELECT seq FROM outbox INDEXED BY outbox_created WHERE created_at >= ? ORDER BY created_at, seq LIMIT 1',
      ),
      duePerKeyLive: p(
        due('AND e.ordering_key = d.ordering_key').replace(
          'WHERE d.target',
          // A seq range on the (target, state, seq) index: live rows are the newest.
          'WHERE d.seq >= @fromSeq AND d.target',
        ),
      ),
      ack: p(
        "UPDATE sync_deliveries SET state = 'ACKED', attempts = attempts + 1, acked_at = ?, last_error = NULL WHERE target = ? AND seq = ?",
      ),
      retry: p(
        'UPDATE sync_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE target = ? AND seq = ?',
      ),
      dead: p(
        "UPDATE sync_deliveries SET state = 'DEAD', attempts = attempts + 1, last_error = ? WHERE target = ? AND seq = ?",
      ),
      requeue:
        p(`UPDATE sync_deliveries SET state = 'QUEUED', attempts = 0, next_attempt_at = NULL, payload_override = coalesce(?, payload_override)
        WHERE target = ? AND seq = ? AND state = 'DEAD'`),
      resolve: p(
        "UPDATE sync_deliveries SET state = 'RESOLVED' WHERE target = ? AND seq = ? AND state = 'DEAD'",
      ),
      get: p('SELECT * FROM sync_deliveries WHERE target = ? AND seq = ?'),
      status: p(`SELECT target,
          sum(state = 'QUEUED') AS queued, sum(state = 'DEAD') AS dead, sum(state = 'ACKED') AS acked,
          min(CASE WHEN state = 'QUEUED' THEN (SELECT created_at FROM outbox o WHERE o.seq = d.seq) END) AS oldestQueuedAt
        FROM sync_deliveries d GROUP BY target ORDER BY target`),
      exceptions:
        p(`SELECT d.target, d.seq, d.ordering_key AS orderingKey, d.attempts, d.last_error AS lastError, o.type, o.idempotency_key AS idempotencyKey,
          coalesce(d.payload_override, o.payload) AS payload
        FROM sync_deliveries d JOIN outbox o ON o.seq = d.seq WHERE d.state = 'DEAD' ORDER BY d.target, d.seq`),
    };
  }

  due(target: string, order: 'per_key' | 'global', now: string, limit: number): DueRow[] {
    const rows = (order === 'global' ? this.s.dueGlobal! : this.s.duePerKey!).all({
      target,
      now,
      limit,
    }) as (DueRow & { payload: string })[];
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown }));
  }

  /** Heads of keys whose row was written since `since` (live traffic, served before a backlog). */
  dueLive(target: string, now: string, since: string, limit: number): DueRow[] {
    const from = this.s.firstSince!.get(since) as { seq: number } | undefined;
    if (!from) return [];
    const rows = this.s.duePerKeyLive!.all({ target, now, fromSeq: from.seq, limit }) as (DueRow & {
      payload: string;
    })[];
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as unknown }));
  }

  ack(target: string, seq: number, at: string): void {
    this.s.ack!.run(at, target, seq);
  }

  retryLater(target: string, seq: number, nextAt: string, error: string): void {
    this.s.retry!.run(nextAt, error, target, seq);
  }

  dead(target: string, seq: number, error: string): void {
    this.s.dead!.run(error, target, seq);
  }

  /** Exception queue: send again (optionally with a corrected payload). */
  requeue(target: string, seq: number, payload?: unknown): boolean {
    return (
      this.s.requeue!.run(payload === undefined ? null : JSON.stringify(payload), target, seq).changes === 1
    );
  }

  /** Exception queue: settled by a person without sending; unblocks the rows behind it. */
  resolve(target: string, seq: number): boolean {
    return this.s.resolve!.run(target, seq).changes === 1;
  }

  get(target: string, seq: number): Record<string, unknown> | undefined {
    return this.s.get!.get(target, seq) as Record<string, unknown> | undefined;
  }

  status(): TargetStatus[] {
    return this.s.status!.all() as TargetStatus[];
  }

  exceptions(): Record<string, unknown>[] {
    return this.s.exceptions!.all() as Record<string, unknown>[];
  }
}
