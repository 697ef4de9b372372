/**
 * Prometheus metrics, one registry per gateway instance (tests run several gateways
 * in one process, so prom-client's global registry is not used).
 */
import { Counter, Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly ingestMessages = new Counter({
    name: 'holdgate_ingest_messages_total',
    help: 'Messages received, by transport and outcome (accepted, duplicate, dead_letter, refused)',
    labelNames: ['transport', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly ingestEvents = new Counter({
    name: 'holdgate_ingest_events_total',
    help: 'QualityEvents appended to the event log, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'holdgate_ingest_duplicates_total',
    help: 'Events dropped as duplicates (same profile and source event id)',
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'holdgate_dead_letters_total',
    help: 'Messages stored in the dead-letter table, by reason code',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'holdgate_commit_batch_size',
    help: 'Jobs per group-commit transaction',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'holdgate_commit_duration_seconds',
    help: 'Time to apply and commit one group-commit transaction',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly commitFailures = new Counter({
    name: 'holdgate_commit_failures_total',
    help: 'Group-commit transactions that failed (nothing in them was acknowledged)',
    registers: [this.registry],
  });
  readonly mqttClients = new Gauge({
    name: 'holdgate_mqtt_clients',
    help: 'Clients connected to the embedded broker',
    registers: [this.registry],
  });

  readonly mqttRefused = new Counter({
    name: 'holdgate_mqtt_refused_total',
    help: 'Publishes and subscriptions the embedded broker refused by ACL',
    labelNames: ['action'] as const,
    registers: [this.registry],
  });

  readonly syncAcked = new Counter({
    name: 'holdgate_sync_acked_rows_total',
    help: 'Outbox rows a sync target acknowledged',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });
  readonly syncExceptions = new Counter({
    name: 'holdgate_sync_exceptions_total',
    help: 'Outbox rows moved to a target’s exception queue',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });
  readonly backlogLevel = new Gauge({
    name: 'holdgate_backlog_level',
    help: 'The store against its bounds (ERP backlog rows and bytes, free disk): 0 ok, 1 past a soft bound, 2 at a hard bound (new work refused)',
    registers: [this.registry],
  });
  readonly erpConflicts = new Counter({
    name: 'holdgate_erp_conflicts_total',
    help: 'Differences found between an ERP’s hold location and Holdgate’s acknowledged transactions',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });
  readonly syncStopped = new Gauge({
    name: 'holdgate_sync_target_stopped',
    help: '1 while a target is stopped because it refused Holdgate (403)',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  /** Queue depth and oldest age per target, read from the store at scrape time. */
  registerSyncStatus(
    read: () => { target: string; queued: number; exceptions: number; oldestQueuedAgeSeconds: number }[],
  ): void {
    const labelNames = ['target'] as const;
    // Registered first so its collect() (reading the store at scrape time) fills all three.
    new Gauge({
      name: 'holdgate_sync_queue_depth',
      help: 'Rows waiting for a sync target',
      labelNames,
      registers: [this.registry],
      collect() {
        for (const s of read()) {
          this.set({ target: s.target }, s.queued);
          dead.set({ target: s.target }, s.exceptions);
          age.set({ target: s.target }, s.oldestQueuedAgeSeconds);
        }
      },
    });
    const dead = new Gauge({
      name: 'holdgate_sync_exception_queue_depth',
      help: 'Rows in a target’s exception queue',
      labelNames,
      registers: [this.registry],
    });
    const age = new Gauge({
      name: 'holdgate_sync_oldest_unacked_seconds',
      help: 'Age of the oldest row a target has not acknowledged',
      labelNames,
      registers: [this.registry],
    });
  }

  /** The store's files and the free space beside them, measured at scrape time. */
  registerStoreFiles(read: () => { db: number; wal: number; freeDisk: number }): void {
    // Registered first so its collect() fills the free-space gauge of the same scrape.
    new Gauge({
      name: 'holdgate_store_bytes',
      help: 'Size of the store’s files: the database and its write-ahead log',
      labelNames: ['file'] as const,
      registers: [this.registry],
      collect() {
        const s = read();
        this.set({ file: 'db' }, s.db);
        this.set({ file: 'wal' }, s.wal);
        if (Number.isFinite(s.freeDisk)) free.set(s.freeDisk);
      },
    });
    const free = new Gauge({
      name: 'holdgate_store_disk_free_bytes',
      help: 'Free space on the store’s file system (new work is refused below sync.bounds.min_free_disk_mb)',
      registers: [this.registry],
    });
  }

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'holdgate_' });
  }
}
