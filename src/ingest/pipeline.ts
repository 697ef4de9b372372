/**
 * Transport-neutral ingest: raw message → decode (profile, validate, map) → one
 * group-commit job (append events, later: classify and contain) → settle after the
 * commit. Every adapter (embedded broker, plant-broker client, serial, OPC UA)
 * acknowledges its device from the returned promise, so an ack always follows a commit.
 *
 * Unusable input is dead-lettered and resolves normally: the device gets its ack and
 * does not loop on a payload that will never be valid. Only a failed commit rejects.
 */
import type { Db } from '../store/db.js';
import type { GroupCommitWriter } from '../store/group-commit.js';
import type { EventLog } from '../store/event-log.js';
import type { Metrics } from '../metrics.js';
import type { Logger } from '../log.js';
import type { DeviceProfiles } from '../profiles/device-profiles.js';
import type { QualityEvent } from '../holds/quality-event.js';
import { decodeMessage, type DeadLetterReason, type DecodeResult } from '../profiles/decode.js';
import { BurstLogger } from './burst-log.js';

export interface InboundMessage {
  transport: string;
  /** Who sent it: MQTT client id / username, serial port, OPC UA endpoint. */
  deviceId: string;
  topic: string;
  payload: Buffer;
  receivedAt?: Date;
  /** Commit without waiting for the batch window (the sender waits for this ack before sending more). */
  urgent?: boolean;
}

export type IngestOutcome =
  | { status: 'accepted'; seqs: number[]; duplicates: number }
  | { status: 'dead_letter'; code: DeadLetterReason; reason: string; id: number };

/** Runs inside the event's transaction right after it is appended (containment hooks in here). */
export type EventApplier = (db: Db, event: QualityEvent, seq: number) => void;

export interface IngestDeps {
  profiles: DeviceProfiles;
  writer: GroupCommitWriter;
  eventLog: EventLog;
  metrics: Metrics;
  log: Logger;
  maxPayloadBytes: number;
  deadLetterMaxBytes: number;
  appliers?: EventApplier[];
  now?: () => Date;
  /** Throws when new work must be refused (backlog at its hard bound). */
  admit?: () => void;
}

export class IngestPipeline {
  private readonly deps: IngestDeps;
  private readonly burst: BurstLogger;
  private readonly now: () => Date;

  constructor(deps: IngestDeps) {
    this.deps = deps;
    this.burst = new BurstLogger(deps.log);
    this.now = deps.now ?? (() => new Date());
  }

  async ingest(msg: InboundMessage): Promise<IngestOutcome> {
    // Refused work is not acknowledged: the device keeps it and sends it again later.
    this.deps.admit?.();
    const receivedAt = msg.receivedAt ?? this.now();
    let decoded: DecodeResult;
    try {
      decoded = decodeMessage(
        this.deps.profiles,
        { topic: msg.topic, payload: msg.payload, receivedAt },
        this.deps.maxPayloadBytes,
      );
    } catch (err) {
      decoded = { ok: false, code: 'PROCESSING_FAILED', reason: `decoder failed: ${(err as Error).message}` };
    }
    if (!decoded.ok) return this.deadLetter(msg, receivedAt, decoded);
    let outcome: Extract<IngestOutcome, { status: 'accepted' }>;
    try {
      outcome = await this.deps.writer.submit((db) => this.append(db, decoded.events, msg, receivedAt), {
        urgent: msg.urgent,
      });
    } catch (err) {
      // A failed commit is not ours to acknowledge: the device must resend.
      if (
        (err as { code?: string }).code === 'HG_STORE_COMMIT_FAILED' ||
        (err as { code?: string }).code === 'HG_STORE_CLOSED'
      )
        throw err;
      return this.deadLetter(msg, receivedAt, {
        ok: false,
        profileId: decoded.profileId,
        code: 'PROCESSING_FAILED',
        reason: `processing failed: ${(err as Error).message}`,
      });
    }
    // Counted after the commit, so metrics never show what was rolled back.
    const m = this.deps.metrics;
    m.ingestMessages.inc({
      transport: msg.transport,
      outcome: outcome.seqs.length > 0 ? 'accepted' : 'duplicate',
    });
    if (outcome.duplicates > 0) m.duplicates.inc(outcome.duplicates);
    if (outcome.seqs.length > 0) for (const e of decoded.events) m.ingestEvents.inc({ kind: e.kind });
    return outcome;
  }

  stop(): void {
    this.burst.stop();
  }

  private append(
    db: Db,
    events: QualityEvent[],
    msg: InboundMessage,
    receivedAt: Date,
  ): Extract<IngestOutcome, { status: 'accepted' }> {
    const origin = {
      deviceId: msg.deviceId,
      transport: msg.transport,
      topic: msg.topic,
      receivedAt: receivedAt.toISOString(),
      raw: msg.payload,
    };
    const seqs: number[] = [];
    let duplicates = 0;
    for (const event of events) {
      const seq = this.deps.eventLog.append(event, origin);
      if (seq === undefined) {
        duplicates++;
        continue;
      }
      seqs.push(seq);
      for (const apply of this.deps.appliers ?? []) apply(db, event, seq);
    }
    return { status: 'accepted', seqs, duplicates };
  }

  private async deadLetter(
    msg: InboundMessage,
    receivedAt: Date,
    d: Extract<DecodeResult, { ok: false }>,
  ): Promise<IngestOutcome> {
    const max = this.deps.deadLetterMaxBytes;
    const raw = msg.payload.length > max ? msg.payload.subarray(0, max) : msg.payload;
    const id = await this.deps.writer.submit(
      (_db) =>
        this.deps.eventLog.deadLetter({
          receivedAt: receivedAt.toISOString(),
          transport: msg.transport,
          source: msg.deviceId,
          topic: msg.topic,
          profileId: d.profileId,
          reasonCode: d.code,
          reason: d.reason,
          raw,
          rawLength: msg.payload.length,
        }),
      { urgent: msg.urgent },
    );
    this.deps.metrics.deadLetters.inc({ reason: d.code });
    this.deps.metrics.ingestMessages.inc({ transport: msg.transport, outcome: 'dead_letter' });
    this.burst.warn(
      `${msg.deviceId}|${d.code}`,
      {
        code: d.code,
        device: msg.deviceId,
        topic: msg.topic,
        profile: d.profileId,
        deadLetterId: id,
        reason: d.reason,
      },
      `dead-lettered a message from ${msg.deviceId}: ${d.code}`,
    );
    return { status: 'dead_letter', code: d.code, reason: d.reason, id };
  }
}
