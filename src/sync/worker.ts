/**
 * One worker per sync target drains its deliveries: the head row of each ordering key
 * (or of the whole target, for global order), up to `concurrency` keys at once. A row
 * leaves the queue only when the target acknowledges it. Retryable failures back off
 * exponentially with jitter (Retry-After wins) behind a circuit breaker; 401 logs in
 * again; 403 stops the target with an alarm (rows stay queued); other rejections go to
 * the exception queue, which blocks only that row's key until a person acts.
 */
import type { GroupCommitWriter } from '../store/group-commit.js';
import type { Repos } from '../containment/repos.js';
import type { Logger } from '../log.js';
import type { SyncTarget } from '../profiles/sync-schema.js';
import { perRow, type Connector, type SendResult } from './connector.js';
import { Deliveries, type DueRow } from './deliveries.js';
import { completeErpEffect } from '../containment/disposition-effects.js';

export interface WorkerEvents {
  onAck?: (target: string, rows: number) => void;
  onException?: (target: string, seq: number, reason: string) => void;
  onStopped?: (target: string, reason: string) => void;
}

export class SyncWorker {
  private readonly deliveries: Deliveries;
  private readonly inFlightKeys = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running = false;
  private stoppedReason?: string;
  private failures = 0;
  private openUntil = 0;

  constructor(
    private readonly target: SyncTarget,
    private readonly connector: Connector,
    private readonly repos: Repos,
    private readonly writer: GroupCommitWriter,
    private readonly log: Logger,
    private readonly events: WorkerEvents = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    this.deliveries = new Deliveries(repos.db);
  }

  get state(): { running: boolean; stopped?: string; circuitOpen: boolean; inFlight: number } {
    return {
      running: this.running,
      stopped: this.stoppedReason,
      circuitOpen: this.openUntil > Date.now(),
      inFlight: this.inFlightKeys.size,
    };
  }

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  /** New rows were committed: look now rather than at the next poll. */
  kick(): void {
    if (this.running && !this.stoppedReason) this.schedule(0);
  }

  /** After a 403 was sorted out (e.g. the ERP user got its rights back). */
  resume(): void {
    this.stoppedReason = undefined;
    this.kick();
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    if (!this.running || this.stoppedReason) return;
    if (this.openUntil > Date.now()) return this.schedule(this.openUntil - Date.now());
    const free = this.target.concurrency - this.inFlightKeys.size;
    if (free > 0) {
      const max = this.target.batch.max_rows;
      const limit = this.target.order === 'global' ? 1 : free * max + this.inFlightKeys.size;
      const due = this.select(limit).filter((r) => !this.inFlightKeys.has(r.orderingKey));
      // One batch per free slot; a batch holds the heads of up to max_rows different keys.
      const batches: DueRow[][] = [];
      for (const r of due) {
        let last = batches.at(-1);
        if (!last || last.length >= max) {
          if (batches.length >= free) break;
          last = [];
          batches.push(last);
        }
        last.push(r);
        this.inFlightKeys.add(r.orderingKey);
      }
      for (const b of batches) void this.deliver(b);
    }
    this.schedule(this.inFlightKeys.size > 0 ? 50 : 250);
  }

  private tokens = 0;
  private tokensAt = Date.now();

  /**
   * Live rows (younger than replay.live_window_ms) first, so a backlog being replayed
   * after an outage does not starve them; backlog rows then fill the free slots, at most
   * replay.rows_per_s. Only heads of keys are ever selected, so per-key order holds.
   */
  private select(limit: number): DueRow[] {
    const now = this.now();
    const nowIso = now.toISOString();
    const { live_window_ms: window, rows_per_s: rate } = this.target.replay;
    if (this.target.order === 'global' || window === 0)
      return this.deliveries.due(this.target.id, this.target.order, nowIso, limit);
    const since = new Date(now.getTime() - window).toISOString();
    const live = this.deliveries.dueLive(this.target.id, nowIso, since, limit);
    // Live rows fill every slot: no need to look at the backlog this time.
    if (live.length >= limit) return live;
    const seen = new Set(live.map((r) => r.seq));
    let backlog = this.deliveries
      .due(this.target.id, 'per_key', nowIso, limit)
      .filter((r) => !seen.has(r.seq));
    if (rate > 0) {
      const t = Date.now();
      this.tokens = Math.min(rate, this.tokens + ((t - this.tokensAt) / 1000) * rate);
      this.tokensAt = t;
      backlog = backlog.slice(0, Math.floor(this.tokens));
      this.tokens -= backlog.length;
    }
    return [...live, ...backlog].slice(0, limit);
  }

  private async deliver(rows: DueRow[]): Promise<void> {
    let results: SendResult[];
    try {
      results = perRow(await this.connector.send(rows), rows.length);
      const again = rows.filter((_, i) => results[i]!.kind === 'reauth');
      if (again.length > 0 && this.connector.login) {
        await this.connector.login();
        const second = perRow(await this.connector.send(again), again.length);
        let j = 0;
        results = results.map((r) => (r.kind === 'reauth' ? second[j++]! : r));
      }
    } catch (err) {
      const reason = `connector: ${(err as Error).message}`;
      results = rows.map(() => ({ kind: 'retry', reason }));
    }
    const at = this.now().toISOString();
    try {
      await this.writer.submit(() => this.record(rows, results, at));
    } catch (err) {
      this.log.error({ err }, 'could not record a delivery result; it will be sent again');
    } finally {
      for (const r of rows) this.inFlightKeys.delete(r.orderingKey);
    }
    this.after(rows, results);
    this.kick();
  }

  /** Runs inside the group commit; may run twice (replay), so it only touches the store. */
  private record(rows: DueRow[], results: SendResult[], at: string): void {
    const t = this.target.id;
    for (const [i, r] of rows.entries()) {
      const result = results[i]!;
      switch (result.kind) {
        case 'ack':
          this.deliveries.ack(t, r.seq, at);
          completeErpEffect(this.repos, r.seq, at);
          break;
        case 'retry':
        case 'reauth': {
          const base = Math.min(
            this.target.retry.max_ms,
            this.target.retry.base_ms * 2 ** Math.min(r.attempts, 20),
          );
          const wait =
            result.kind === 'retry' && result.retryAfterMs !== undefined
              ? result.retryAfterMs
              : base * (0.5 + Math.random() / 2);
          this.deliveries.retryLater(t, r.seq, new Date(Date.parse(at) + wait).toISOString(), result.reason);
          break;
        }
        case 'stop':
          this.deliveries.retryLater(t, r.seq, at, result.reason);
          break;
        case 'reject':
          this.deliveries.dead(t, r.seq, result.reason);
          this.repos.audit.append({
            at,
            actor: { type: 'service', id: `sync:${t}` },
            source: t,
            action: 'SYNC_EXCEPTION',
            entityType: 'outbox',
            entityId: String(r.seq),
            after: { target: t, orderingKey: r.orderingKey, type: r.type },
            reason: result.reason,
          });
          break;
      }
    }
  }

  private after(rows: DueRow[], results: SendResult[]): void {
    const t = this.target.id;
    const acked = results.filter((r) => r.kind === 'ack').length;
    if (acked > 0) this.events.onAck?.(t, acked);
    const rejected = rows.filter((_, i) => results[i]!.kind === 'reject');
    if (rejected.length > 0) {
      const reason = (results.find((r) => r.kind === 'reject') as { reason: string }).reason;
      for (const r of rejected) this.events.onException?.(t, r.seq, reason);
      this.log.warn(
        { target: t, seqs: rejected.map((r) => r.seq), reason },
        'sync rows moved to the exception queue',
      );
    }
    // The worst outcome decides the target's state: a stop beats a retry beats an answer.
    const result =
      results.find((r) => r.kind === 'stop') ??
      results.find((r) => r.kind === 'retry' || r.kind === 'reauth') ??
      results[0]!;
    if (result.kind === 'ack' || result.kind === 'reject') {
      this.failures = 0;
    } else if (result.kind === 'retry' || result.kind === 'reauth') {
      if (++this.failures >= this.target.circuit.failures) {
        this.openUntil = Date.now() + this.target.circuit.open_ms;
        this.log.warn(
          { target: t, failures: this.failures, openMs: this.target.circuit.open_ms, reason: result.reason },
          'sync circuit open',
        );
      }
    } else if (result.kind === 'stop') {
      this.stoppedReason = result.reason;
      this.log.error(
        { target: t, reason: result.reason },
        'sync target STOPPED: it refuses Holdgate (403); rows stay queued',
      );
      this.events.onStopped?.(t, result.reason);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.connector.close();
  }
}
