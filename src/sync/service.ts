/** All sync targets: one worker each, the outbox fan-out, the exception queue, status. */
import type { Repos } from '../containment/repos.js';
import type { GroupCommitWriter } from '../store/group-commit.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { SyncTarget, TrytonTarget } from '../profiles/sync-schema.js';
import { resolveSecret } from '../config/secrets.js';
import { RestConnector } from './rest-connector.js';
import type { Connector } from './connector.js';
import { TrytonRpc } from './tryton/rpc.js';
import { TrytonConnector } from './tryton/connector.js';
import { TrytonInbound, type PullReport } from './tryton/inbound.js';
import type { ErpConflict } from '../store/erp-repo.js';
import { SyncWorker } from './worker.js';
import { Deliveries } from './deliveries.js';
import type { Actor } from '../holds/types.js';
import { DomainError } from '../errors.js';

function trytonConnector(t: TrytonTarget, connections: number, prepare: boolean): TrytonConnector {
  const rpc = new TrytonRpc({
    url: t.url,
    database: t.database,
    username: t.username,
    password: resolveSecret(t.password),
    timeoutMs: t.timeout_ms,
    connections,
  });
  return new TrytonConnector(rpc, { codes: t.locations, prepare, returnParty: t.return_party });
}

export class SyncService {
  private readonly workers = new Map<string, SyncWorker>();
  private readonly inbound = new Map<string, TrytonInbound>();
  /** Acknowledgements of the last minute, for a rows/s figure in the status. */
  private recentAcks: { target: string; rows: number; at: number }[] = [];
  readonly deliveries: Deliveries;

  constructor(
    private readonly targets: readonly SyncTarget[],
    private readonly repos: Repos,
    private readonly writer: GroupCommitWriter,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly notifyRoles: readonly string[] = [],
  ) {
    this.deliveries = new Deliveries(repos.db);
  }

  start(): void {
    const enabled = this.targets.filter((t) => t.enabled);
    const byType = new Map<string, string[]>();
    for (const t of enabled)
      for (const type of t.types) byType.set(type, [...(byType.get(type) ?? []), t.id]);
    this.repos.outbox.targetsFor = (type) => byType.get(type) ?? [];
    this.repos.outbox.onEnqueue = () => setTimeout(() => this.kick(), 0).unref();
    for (const t of enabled) {
      const connector = this.connectorFor(t);
      const worker = new SyncWorker(t, connector, this.repos, this.writer, this.log.child({ target: t.id }), {
        onAck: (target, rows) => {
          this.metrics.syncAcked.inc({ target }, rows);
          this.recentAcks.push({ target, rows, at: Date.now() });
        },
        onException: (target) => this.metrics.syncExceptions.inc({ target }),
        onStopped: (target, reason) => {
          this.metrics.syncStopped.set({ target }, 1);
          this.alarm(
            `[Holdgate] sync target ${target} STOPPED`,
            `${target} refuses Holdgate (${reason}). Its rows stay queued; fix its access, then resume it.`,
            target,
            reason,
          );
        },
      });
      this.workers.set(t.id, worker);
      worker.start();
      if (t.kind === 'tryton' && t.inbound.enabled) this.startInbound(t);
      this.log.info({ target: t.id, url: t.url, types: t.types, order: t.order }, 'sync target started');
    }
    this.metrics.registerSyncStatus(() => this.status());
  }

  private connectorFor(t: SyncTarget): Connector {
    if (t.kind === 'rest')
      return new RestConnector({
        url: t.url,
        secret: t.secret ? resolveSecret(t.secret) : undefined,
        timeoutMs: t.timeout_ms,
        connections: t.concurrency,
        batch: t.batch.max_rows > 1,
        auth: t.auth
          ? {
              loginUrl: t.auth.login_url,
              username: t.auth.username,
              password: resolveSecret(t.auth.password),
            }
          : undefined,
        mapping: t.mapping ? { typeNames: t.mapping.type_names, fields: t.mapping.fields } : undefined,
      });
    return trytonConnector(t, t.concurrency, t.prepare);
  }

  /** The scheduled pull has its own session: a long read never waits behind the drain's writes. */
  private startInbound(t: TrytonTarget): void {
    const inbound = new TrytonInbound(
      t.id,
      t.inbound.interval_s,
      t.inbound.plant,
      trytonConnector(t, 1, false),
      this.repos,
      this.writer,
      this.log.child({ target: t.id, inbound: true }),
      (c) => this.conflictAlarm(c),
    );
    this.inbound.set(t.id, inbound);
    inbound.start();
  }

  private conflictAlarm(c: ErpConflict): void {
    this.metrics.erpConflicts.inc({ target: c.target });
    this.log.warn(
      { target: c.target, lot: c.lot_id, expected: c.expected, found: c.found, conflict: c.id },
      'ERP conflict: the hold location differs from Holdgate',
    );
    this.alarm(
      `[Holdgate] ERP conflict on lot ${c.lot_id}`,
      `${c.target} shows ${c.found} of lot ${c.lot_id} in its hold location; Holdgate's acknowledged transactions say ${c.expected}. ` +
        `Find out who moved it, fix the ERP or accept its figure (conflict ${c.id}).`,
      c.target,
      `conflict ${c.id}`,
    );
  }

  /** Pulls master data from a target now (also runs on its schedule). */
  pull(target: string): Promise<PullReport> {
    const i = this.inbound.get(target);
    if (!i) throw new DomainError('HG_SYNC_TARGET_NOT_FOUND', `sync target ${target} has no inbound pull`);
    return i.pull().catch((err: unknown) => {
      throw new DomainError('HG_ERP_UNAVAILABLE', `pull from ${target} failed: ${(err as Error).message}`);
    });
  }

  /** An alarm to the configured roles, queued in the outbox like every notification. */
  private alarm(subject: string, text: string, target: string, reason: string): void {
    const notify = this.repos.notifyRoles;
    if (!notify) return;
    void this.writer
      .submit(() =>
        notify(
          {
            subject,
            text,
            plant: null,
            event: { type: 'SYNC_TARGET_STOPPED', target, reason, at: new Date().toISOString() },
          },
          this.notifyRoles,
        ),
      )
      .catch((err: unknown) => this.log.warn({ err }, 'sync alarm not queued'));
  }

  private rowsPerSecond(target: string): number {
    const since = Date.now() - 10_000;
    this.recentAcks = this.recentAcks.filter((a) => a.at >= Date.now() - 60_000);
    return (
      this.recentAcks.filter((a) => a.target === target && a.at >= since).reduce((n, a) => n + a.rows, 0) / 10
    );
  }

  kick(): void {
    for (const w of this.workers.values()) w.kick();
  }

  status() {
    const rows = new Map(this.deliveries.status().map((s) => [s.target, s]));
    return this.targets.map((t) => {
      const s = rows.get(t.id);
      const w = this.workers.get(t.id)?.state;
      return {
        target: t.id,
        enabled: t.enabled,
        queued: s?.queued ?? 0,
        exceptions: s?.dead ?? 0,
        acked: s?.acked ?? 0,
        oldestQueuedAt: s?.oldestQueuedAt ?? null,
        oldestQueuedAgeSeconds: s?.oldestQueuedAt
          ? Math.round((Date.now() - Date.parse(s.oldestQueuedAt)) / 1000)
          : 0,
        rowsPerSecond: this.rowsPerSecond(t.id),
        stopped: w?.stopped ?? null,
        circuitOpen: w?.circuitOpen ?? false,
      };
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.inbound.values()].map((i) => i.stop()));
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
  }

  resume(target: string): void {
    const w = this.workers.get(target);
    if (!w) throw new DomainError('HG_SYNC_TARGET_NOT_FOUND', `sync target ${target} is not running`);
    w.resume();
    this.metrics.syncStopped.set({ target }, 0);
  }
}

/** Exception queue commands, audited (used by the API and the CLI). */
export function retryException(
  r: Repos,
  target: string,
  seq: number,
  payload: unknown,
  actor: Actor,
  at: string,
): void {
  const d = new Deliveries(r.db);
  if (!d.requeue(target, seq, payload))
    throw new DomainError('HG_SYNC_NOT_EXCEPTION', `row ${seq} of ${target} is not in the exception queue`);
  r.audit.append({
    at,
    actor,
    source: 'sync',
    action: payload === undefined ? 'SYNC_RETRY' : 'SYNC_EDIT_RETRY',
    entityType: 'outbox',
    entityId: String(seq),
    after: { target, payload },
  });
}

export function resolveException(
  r: Repos,
  target: string,
  seq: number,
  reason: string,
  actor: Actor,
  at: string,
): void {
  const d = new Deliveries(r.db);
  if (!d.resolve(target, seq))
    throw new DomainError('HG_SYNC_NOT_EXCEPTION', `row ${seq} of ${target} is not in the exception queue`);
  r.audit.append({
    at,
    actor,
    source: 'sync',
    action: 'SYNC_RESOLVED',
    entityType: 'outbox',
    entityId: String(seq),
    after: { target },
    reason,
  });
}

/** A person accepts the ERP's figure: it becomes the baseline for that lot from now on. */
export function acceptConflict(r: Repos, id: number, reason: string, actor: Actor, at: string): void {
  const c = r.erp.conflict(id);
  if (!c) throw new DomainError('HG_CONFLICT_NOT_FOUND', `ERP conflict ${id} does not exist`);
  if (!r.erp.closeConflict(id, 'ACCEPTED', at, actor.id, reason, c.found - c.expected))
    throw new DomainError('HG_CONFLICT_NOT_OPEN', `ERP conflict ${id} is ${c.state}`);
  r.audit.append({
    at,
    actor,
    source: 'sync',
    action: 'ERP_CONFLICT_ACCEPTED',
    entityType: 'erp_conflict',
    entityId: String(id),
    before: { state: c.state, expected: c.expected, found: c.found },
    after: { state: 'ACCEPTED', adjustment: c.found - c.expected },
    reason,
  });
}
