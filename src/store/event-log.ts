/**
 * The append-only event log and the dead-letter table. Statements are prepared once;
 * every write runs inside a GroupCommitWriter job.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { QualityEvent } from '../holds/quality-event.js';

export interface EventOrigin {
  deviceId: string;
  transport: string;
  topic?: string;
  receivedAt: string;
  raw: Buffer;
}

export interface DeadLetter {
  receivedAt: string;
  transport: string;
  source: string;
  topic?: string;
  profileId?: string;
  reasonCode: string;
  reason: string;
  raw: Buffer;
  rawLength: number;
}

export interface StoredEvent {
  seq: number;
  event: QualityEvent;
  deviceId: string;
  transport: string;
  topic: string | null;
  receivedAt: string;
}

export class EventLog {
  private readonly insertEvent: Statement;
  private readonly insertDeadLetter: Statement;
  private readonly bySource: Statement;

  constructor(db: Db) {
    this.insertEvent = db.prepare(
      `INSERT INTO events (profile_id, source_event_id, device_id, transport, topic, kind, result, occurred_at, received_at, body, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (profile_id, source_event_id) DO NOTHING`,
    );
    this.insertDeadLetter = db.prepare(
      `INSERT INTO dead_letters (received_at, transport, source, topic, profile_id, reason_code, reason, raw, raw_length)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.bySource = db.prepare('SELECT * FROM events WHERE profile_id = ? AND source_event_id = ?');
  }

  /**
   * Appends the event; returns its sequence number, or undefined for a duplicate.
   * `body` holds the canonical event without the fields that have their own column
   * (readers put them back, see `find`): bytes per event decide the ingest rate.
   */
  append(event: QualityEvent, origin: EventOrigin): number | undefined {
    const { profileId, sourceEventId, kind, result, occurredAt, ...rest } = event;
    const info = this.insertEvent.run(
      profileId,
      sourceEventId,
      origin.deviceId,
      origin.transport,
      origin.topic ?? null,
      kind,
      result,
      occurredAt,
      origin.receivedAt,
      JSON.stringify(rest),
      origin.raw,
    );
    return info.changes === 1 ? Number(info.lastInsertRowid) : undefined;
  }

  deadLetter(d: DeadLetter): number {
    const info = this.insertDeadLetter.run(
      d.receivedAt,
      d.transport,
      d.source,
      d.topic ?? null,
      d.profileId ?? null,
      d.reasonCode,
      d.reason,
      d.raw,
      d.rawLength,
    );
    return Number(info.lastInsertRowid);
  }

  find(profileId: string, sourceEventId: string): StoredEvent | undefined {
    const row = this.bySource.get(profileId, sourceEventId) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    return {
      seq: row.seq as number,
      event: eventOfRow(row),
      deviceId: row.device_id as string,
      transport: row.transport as string,
      topic: row.topic as string | null,
      receivedAt: row.received_at as string,
    };
  }
}

/** The canonical event of an `events` row: its body with the column-held fields put back. */
export function eventOfRow(row: Record<string, unknown>): QualityEvent {
  // Stores written before the body was slimmed carry these fields in the body too; the columns win.
  return {
    ...(JSON.parse(row.body as string) as Omit<
      QualityEvent,
      'profileId' | 'sourceEventId' | 'kind' | 'result' | 'occurredAt'
    >),
    profileId: row.profile_id as string,
    sourceEventId: row.source_event_id as string,
    kind: row.kind as QualityEvent['kind'],
    result: row.result as QualityEvent['result'],
    occurredAt: row.occurred_at as string,
  };
}
