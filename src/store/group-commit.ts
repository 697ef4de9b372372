/**
 * The one write path. Work submitted from anywhere (ingest, API, sync) is queued and
 * applied in a single transaction per batch; each job's promise settles only after
 * that transaction has committed, so an acknowledgement sent from `.then` is an
 * acknowledgement of stored data.
 *
 * Flushing is scheduled on setImmediate (or a short timer), never only on a size
 * threshold: aedes reads a connection's next chunk only after every packet of the
 * current one has called back, so one connection has one commit in flight and a
 * size-only trigger would stall it.
 */
import type { Db } from './db.js';
import { ErrorCode, HoldgateError } from '../errors.js';

export type Work<T> = (db: Db) => T;

interface Job {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface BatchStats {
  size: number;
  failed: number;
  durationMs: number;
}

export interface GroupCommitOptions {
  db: Db;
  /** 0 = flush on the next event-loop turn. */
  windowMs: number;
  /** How long lazy work (nobody waits for it) may wait for company; default 100 ms. */
  lazyMs?: number;
  maxBatch: number;
  onBatch?: (stats: BatchStats) => void;
}

/** Errors SQLite raises for the storage, not for a statement (disk full, I/O, corruption). */
function isCommitFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    /^SQLITE_(FULL|IOERR|CORRUPT|NOTADB|CANTOPEN|READONLY|CONSTRAINT_FOREIGNKEY)/.test(code)
  );
}

export class GroupCommitWriter {
  private readonly opts: GroupCommitOptions;
  private queue: Job[] = [];
  private scheduled = false;
  private immediate = false;
  private lazyTimer?: NodeJS.Timeout;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly runBatch: (jobs: Job[], outcomes: unknown[], errors: Map<number, unknown>) => void;

  constructor(opts: GroupCommitOptions) {
    this.opts = opts;
    // Fast path: the whole batch in one transaction without savepoints. Savepoints make
    // SQLite keep a sub-journal of every page a job touches, which measured ~40 % slower
    // per event here. If any job throws, the batch is rolled back and replayed with one
    // savepoint per job, so the failing job is rolled back alone and the rest commit.
    // Hence the rule for submitted work: it may only change the database, because it can
    // run twice.
    const fast = opts.db.transaction((jobs: Job[], outcomes: unknown[]) => {
      for (let i = 0; i < jobs.length; i++) outcomes[i] = jobs[i]!.work(opts.db);
    });
    const inJobSavepoint = opts.db.transaction((job: Job) => job.work(opts.db));
    const isolated = opts.db.transaction((jobs: Job[], outcomes: unknown[], errors: Map<number, unknown>) => {
      for (let i = 0; i < jobs.length; i++) {
        try {
          outcomes[i] = inJobSavepoint(jobs[i]!);
        } catch (err) {
          errors.set(i, err);
        }
      }
    });
    this.runBatch = (jobs, outcomes, errors) => {
      try {
        // IMMEDIATE: take the write lock up front, so a CLI command writing to the same
        // store (users add, tokens create) makes this wait instead of failing mid-batch.
        fast.immediate(jobs, outcomes);
      } catch (err) {
        // A failure of COMMIT itself is not a job's fault: retrying would fail the same way.
        if (!opts.db.inTransaction && isCommitFailure(err)) throw err;
        isolated.immediate(jobs, outcomes, errors);
      }
    };
  }

  get pending(): number {
    return this.queue.length;
  }

  /**
   * Queues work for the next group commit. `urgent` skips the batch window: a caller
   * that cannot send more work until this commits (mqtt.js reads the next packet only
   * after acknowledging the current one) would otherwise wait the window every time.
   */
  submit<T>(work: Work<T>, opts: { urgent?: boolean; lazy?: boolean } = {}): Promise<T> {
    if (this.closed)
      return Promise.reject(new HoldgateError(ErrorCode.STORE_CLOSED, 'the store is closing; retry later'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (opts.lazy) this.scheduleLazy();
      else this.schedule(opts.urgent ?? false);
    });
  }

  /**
   * Lazy work (a record nobody acknowledges, e.g. a refused interlock attempt) rides with
   * the next commit, or waits at most lazyMs for one: a commit per refused request would
   * cost an fsync each and stall the answers queued behind it.
   */
  private scheduleLazy(): void {
    if (this.scheduled || this.lazyTimer) return;
    this.lazyTimer = setTimeout(() => {
      this.lazyTimer = undefined;
      if (!this.scheduled) this.flush();
    }, this.opts.lazyMs ?? 100);
  }

  private schedule(urgent = false): void {
    if (urgent && !this.immediate && this.opts.windowMs > 0) {
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.flush();
      });
    }
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.opts.windowMs > 0) setTimeout(() => this.flush(), this.opts.windowMs);
    else setImmediate(() => this.flush());
  }

  /** Commits everything queued so far (in batches of maxBatch). */
  flush(): void {
    this.scheduled = false;
    if (this.lazyTimer) clearTimeout(this.lazyTimer);
    this.lazyTimer = undefined;
    while (this.queue.length > 0) {
      const jobs = this.queue.splice(0, this.opts.maxBatch);
      this.commit(jobs);
      // Let the event loop breathe between big batches; the rest goes next turn.
      if (this.queue.length > 0 && !this.closed) {
        this.schedule();
        return;
      }
    }
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private commit(jobs: Job[]): void {
    const outcomes: unknown[] = new Array(jobs.length);
    const errors = new Map<number, unknown>();
    const started = performance.now();
    try {
      this.runBatch(jobs, outcomes, errors);
    } catch (err) {
      const failure = new HoldgateError(
        ErrorCode.STORE_COMMIT_FAILED,
        `commit failed: ${(err as Error).message}`,
        [],
        {
          cause: err,
        },
      );
      for (const job of jobs) job.reject(failure);
      this.opts.onBatch?.({
        size: jobs.length,
        failed: jobs.length,
        durationMs: performance.now() - started,
      });
      return;
    }
    this.opts.onBatch?.({ size: jobs.length, failed: errors.size, durationMs: performance.now() - started });
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      if (errors.has(i)) job.reject(errors.get(i));
      else job.resolve(outcomes[i]);
    }
  }

  /** Resolves once everything submitted before the call has committed. */
  drain(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.flush();
    });
  }

  /** Refuses new work and commits what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await this.drain();
  }
}
