/**
 * Backlog bounds. The outbox and event log are business records, so Holdgate never drops
 * the oldest: past the soft bound it raises an alarm (log, metric, API status,
 * notification); past the hard bound — rows, bytes, or free disk — it refuses new work
 * (the embedded broker withholds the PUBACK and closes the connection, since MQTT 3.1.1
 * has no negative ack; the API answers 503) until the backlog drains.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from '../store/db.js';
import type { Logger } from '../log.js';
import { ErrorCode, HoldgateError } from '../errors.js';

export type BacklogLevel = 'ok' | 'soft' | 'hard';

export interface BacklogBounds {
  soft_rows: number;
  hard_rows: number;
  soft_bytes: number;
  hard_bytes: number;
  min_free_disk_mb: number;
  check_ms: number;
}

export interface BacklogState {
  level: BacklogLevel;
  rows: number;
  bytes: number;
  freeDiskMb: number;
  reason: string | null;
  since: string;
}

export class BacklogMonitor {
  private timer?: NodeJS.Timeout;
  private readonly measure;
  current: BacklogState = {
    level: 'ok',
    rows: 0,
    bytes: 0,
    freeDiskMb: Infinity,
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
        `refusing new work: ${this.current.reason} (nothing is dropped; it resumes when the ERP backlog drains)`,
      );
  }

  check(): BacklogState {
    const { rows, bytes } = this.measure.get() as { rows: number; bytes: number };
    let freeDiskMb = Infinity;
    try {
      const s = statfsSync(dirname(this.storePath));
      freeDiskMb = (s.bavail * s.bsize) / (1024 * 1024);
    } catch {
      // statfs is not available everywhere; the row and byte bounds still apply.
    }
    const b = this.bounds;
    const hard =
      rows >= b.hard_rows
        ? `backlog of ${rows} rows reached the hard bound (${b.hard_rows})`
        : bytes >= b.hard_bytes
          ? `backlog of ${bytes} bytes reached the hard bound (${b.hard_bytes})`
          : freeDiskMb < b.min_free_disk_mb
            ? `only ${Math.round(freeDiskMb)} MB free on the store's disk (minimum ${b.min_free_disk_mb})`
            : null;
    const soft =
      hard ??
      (rows >= b.soft_rows
        ? `backlog of ${rows} rows passed the soft bound (${b.soft_rows})`
        : bytes >= b.soft_bytes
          ? `backlog of ${bytes} bytes passed the soft bound (${b.soft_bytes})`
          : null);
    const level: BacklogLevel = hard ? 'hard' : soft ? 'soft' : 'ok';
    const previous = this.current.level;
    this.current = {
      level,
      rows,
      bytes,
      freeDiskMb,
      reason: hard ?? soft,
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
      if (level === 'ok') this.log.info(fields, 'ERP backlog back within bounds');
      else
        this.log[level === 'hard' ? 'error' : 'warn'](
          fields,
          level === 'hard'
            ? 'ERP backlog at the HARD bound: refusing new work'
            : 'ERP backlog past the soft bound',
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
