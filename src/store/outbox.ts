/**
 * The transactional outbox: every change the ERP must see is queued here in the same
 * transaction as the change. Idempotency key = gateway id : store id : sequence; the
 * store id is renewed by a restore, so a key is never issued twice.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

export interface OutboxInput {
  /** Rows with the same key are delivered in order (per lot or serial at least). */
  orderingKey: string;
  type: string;
  payload: unknown;
  at: string;
}

export class Outbox {
  private readonly insert: Statement;
  private readonly setKey: Statement;

  private readonly deliver: Statement;
  /** Which sync targets take a transaction type (set by the composition root). */
  targetsFor: (type: string) => readonly string[] = () => [];
  /** Called inside the enqueuing transaction (schedule work for after the commit only). */
  onEnqueue: () => void = () => undefined;

  constructor(
    db: Db,
    private readonly gatewayId: string,
    private readonly storeId: string,
  ) {
    this.deliver = db.prepare('INSERT INTO sync_deliveries (target, seq, ordering_key) VALUES (?, ?, ?)');
    this.insert = db.prepare(
      `INSERT INTO outbox (ordering_key, type, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING seq`,
    );
    this.setKey = db.prepare('UPDATE outbox SET idempotency_key = ? WHERE seq = ?');
  }

  enqueue(e: OutboxInput): { seq: number; idempotencyKey: string } {
    const { seq } = this.insert.get(e.orderingKey, e.type, JSON.stringify(e.payload), e.at, e.at) as {
      seq: number;
    };
    const idempotencyKey = `${this.gatewayId}:${this.storeId}:${seq}`;
    this.setKey.run(idempotencyKey, seq);
    const targets = this.targetsFor(e.type);
    for (const target of targets) this.deliver.run(target, seq, e.orderingKey);
    if (targets.length > 0) this.onEnqueue();
    return { seq, idempotencyKey };
  }
}
