/**
 * Backlog bounds. The outbox and event log are business records, so Holdgate never drops
 * the oldest: past the soft bound it raises an alarm (log, metric, API status,
 * notification); past the hard bound — rows, bytes, or free disk — it refuses new work
 * (the embedded broker withholds the PUBACK and closes the connection, since MQTT 3.1.1
 * has no negative ack; the API answers 503) until the backlog drains.
 */
import { freeDiskBytes } from '../store/files.js';
import type { NotificationContent } from '../notify/plan.js';
import type { Db } from '../store/db.js';
import type { Logger } from '../log.js';
import { ErrorCode, HoldgateError } from '../errors.js';

export type BacklogLevel = 'ok' | 'soft' | 'hard';
/** What crossed the bound: the ERP backlog's rows or bytes, or the free space on the store's disk. */
export type BacklogCause = 'rows' | 'bytes' | 'disk';

export interface BacklogBounds {
  soft_rows: number;
  hard_rows: number;
  soft_bytes: number;
  hard_bytes: number;
  min_free_disk_mb: number;
  soft_free_disk_mb: number;
  check_ms: number;
}

export interface BacklogState {
  level: BacklogLevel;
  rows: number;
  bytes: number;
  freeDiskMb: number;
  cause: BacklogCause | null;
  reason: string | null;
  since: string;
}

/** How a bound's subject reads in logs and notifications. */
export function boundName(cause: BacklogCause | null): string {
  return cause === 'disk' ? 'free disk space' : 'ERP backlog';
}

/** The notification for a change of level (subject, text and the machine-readable event). */
export function backlogNotice(
  s: BacklogState,
  previous: BacklogLevel,
  plant: string | null,
): NotificationContent {
  return {
    subject:
      s.level === 'ok'
        ? '[Holdgate] store back within its bounds'
        : `[Holdgate] ${boundName(s.cause)} ${s.level === 'hard' ? 'at its HARD bound: new work refused' : 'past its soft bound'}`,
    text: `${s.reason ?? 'The backlog is within its bounds again.'}\nRows waiting: ${s.rows}, bytes: ${s.bytes}, free disk: ${Math.round(s.freeDiskMb)} MB. Previous level: ${previous}.`,
    plant,
    event: {
      type: 'BACKLOG_LEVEL',
      level: s.level,
      previous,
      rows: s.rows,
      bytes: s.bytes,
      freeDiskMb: Math.round(s.freeDiskMb),
      cause: s.cause,
      reason: s.reason,
      at: new Date().toISOString(),
    },
  };
}

export class BacklogMonitor {
  private timer?: NodeJS.Timeout;
  private readonly measure;
  current: BacklogState = {
    level: 'ok',
    rows: 0,
    bytes: 0,
    freeDiskMb: Infinity,
    cause: null,
    reason: null,
    since: new Date().toISOString(),
  };

  constructor(
    db: Db,
    private readonly storePath: string,
    private readonly bounds: BacklogBounds,
    private readonly log: Logger,
    private readonly onChange: (s: BacklogState, previous: BacklogLevel) => void = () => undefined,
  ) {
    this.measure = db.prepare(
      `SELECT count(*) AS rows, coalesce(sum(length(o.payload)), 0) AS bytes
       FROM sync_deliveries d JOIN outbox o ON o.seq = d.seq WHERE d.state IN ('QUEUED', 'DEAD')`,
    );
  }

  start(): void {
    this.check();
  }

  /** Throws when new work must be refused. */
  admit(): void {
    if (this.current.level === 'hard')
      throw new HoldgateError(
        ErrorCode.BACKLOG_FULL,
        `refusing new work: ${this.current.reason} (nothing is dropped; it resumes when ${this.current.cause === 'disk' ? 'space is freed on the disk' : 'the ERP backlog drains'})`,
      );
  }

  check(): BacklogState {
    const { rows, bytes } = this.measure.get() as { rows: number; bytes: number };
    // Infinity where statfs is not available: the row and byte bounds still apply.
    const freeDiskMb = freeDiskBytes(this.storePath) / (1024 * 1024);
    const b = this.bounds;
    const mb = Math.round(freeDiskMb);
    const refusedBelow = `new work is refused below ${b.min_free_disk_mb}`;
    // In order: the first bound crossed sets the level and names the cause.
    const bounds: [BacklogLevel, BacklogCause, boolean, string][] = [
      [
        'hard',
        'rows',
        rows >= b.hard_rows,
        `backlog of ${rows} rows reached the hard bound (${b.hard_rows})`,
      ],
      [
        'hard',
        'bytes',
        bytes >= b.hard_bytes,
        `backlog of ${bytes} bytes reached the hard bound (${b.hard_bytes})`,
      ],
      [
        'hard',
        'disk',
        freeDiskMb < b.min_free_disk_mb,
        `only ${mb} MB free on the store's disk (${refusedBelow})`,
      ],
      ['soft', 'rows', rows >= b.soft_rows, `backlog of ${rows} rows passed the soft bound (${b.soft_rows})`],
      [
        'soft',
        'bytes',
        bytes >= b.soft_bytes,
        `backlog of ${bytes} bytes passed the soft bound (${b.soft_bytes})`,
      ],
      [
        'soft',
        'disk',
        freeDiskMb < b.soft_free_disk_mb,
        `only ${mb} MB free on the store's disk (alarm below ${b.soft_free_disk_mb}, ${refusedBelow})`,
      ],
    ];
    const hit = bounds.find(([, , over]) => over);
    const level: BacklogLevel = hit?.[0] ?? 'ok';
    const previous = this.current.level;
    this.current = {
      level,
      rows,
      bytes,
      freeDiskMb,
      cause: hit?.[1] ?? null,
      reason: hit?.[3] ?? null,
      since: level === previous ? this.current.since : new Date().toISOString(),
    };
    if (level !== previous) {
      const fields = {
        level,
        previous,
        rows,
        bytes,
        freeDiskMb: Math.round(freeDiskMb),
        reason: this.current.reason,
      };
      if (level === 'ok') this.log.info(fields, 'store back within its bounds');
      else
        this.log[level === 'hard' ? 'error' : 'warn'](
          { ...fields, cause: this.current.cause },
          level === 'hard'
            ? `${boundName(this.current.cause)} at the HARD bound: refusing new work`
            : `${boundName(this.current.cause)} past the soft bound`,
        );
      this.onChange(this.current, previous);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), this.bounds.check_ms);
    this.timer.unref();
    return this.current;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
