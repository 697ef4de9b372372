/**
 * Composition root: builds every component from the validated config and starts them
 * in dependency order (store → pipeline → broker → HTTP); stop runs in reverse and
 * commits whatever was in flight before the store closes.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics.js';
import { openStore, type Db } from './store/db.js';
import { claimStore, releaseStore } from './ops/store-lock.js';
import { GroupCommitWriter } from './store/group-commit.js';
import { EventLog } from './store/event-log.js';
import type { DeviceProfiles } from './profiles/device-profiles.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { EmbeddedBroker } from './ingest/mqtt/broker.js';
import { PlantBrokerClient } from './ingest/mqtt/plant-client.js';
import { InterlockTopic } from './ingest/mqtt/interlock-topic.js';
import { NotificationDispatcher } from './notify/dispatcher.js';
import { createNotificationQueue } from './notify/queue.js';
import { EscalationScheduler } from './containment/escalation.js';
import { SyncService } from './sync/service.js';
import { BacklogMonitor, backlogNotice, type BacklogLevel, type BacklogState } from './sync/bounds.js';
import { freeDiskBytes, storeFileBytes } from './store/files.js';
import type { SyncTarget } from './profiles/sync-schema.js';
import { resolveSecret } from './config/secrets.js';
import { buildApp } from './api/app.js';
import { VERSION } from './version.js';
import type { AddressInfo } from 'node:net';
import type { RuleSet } from './holds/rules.js';
import { DEFAULT_BLOCK_POLICIES, type BlockPolicies } from './holds/types.js';
import { createRepos, type Repos } from './containment/repos.js';
import { createContainmentApplier } from './containment/apply-event.js';
import { Interlocks } from './containment/interlocks.js';
import { ShiftCalendar } from './containment/shifts.js';
import { AccessRepo } from './store/access-repo.js';

export interface GatewayDeps {
  config: Config;
  profiles: DeviceProfiles;
  rules: RuleSet;
  /** Sync targets (sync/*.yaml); none = nothing leaves the outbox. */
  targets?: SyncTarget[];
  log: Logger;
  /** Default true; tests running many gateways in one process turn it off. */
  processMetrics?: boolean;
}

export class Gateway {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  private readonly deps: GatewayDeps;
  private db?: Db;
  private storeId?: string;
  private writer?: GroupCommitWriter;
  private reposRef?: Repos;
  private accessRef?: AccessRepo;
  private interlocksRef?: Interlocks;
  private pipelineRef?: IngestPipeline;
  private broker?: EmbeddedBroker;
  private plantClient?: PlantBrokerClient;
  private dispatcher?: NotificationDispatcher;
  private escalation?: EscalationScheduler;
  private syncRef?: SyncService;
  private backlog?: BacklogMonitor;
  private app?: FastifyInstance;
  private readonly startedAt = new Date();
  private storeClaimed = false;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(deps: GatewayDeps) {
    this.deps = deps;
    this.config = deps.config;
    this.log = deps.log;
    this.metrics = new Metrics({ processMetrics: deps.processMetrics ?? true });
  }

  get mqttPort(): number | undefined {
    return this.broker?.port;
  }

  get mqttTlsPort(): number | undefined {
    return this.broker?.tlsPort;
  }

  get mqttWebsocketPort(): number | undefined {
    return this.broker?.websocketPort;
  }

  get httpPort(): number | undefined {
    return (this.app?.server.address() as AddressInfo | null)?.port;
  }

  get http(): FastifyInstance {
    if (!this.app) throw new Error('gateway not started');
    return this.app;
  }

  get pipeline(): IngestPipeline {
    if (!this.pipelineRef) throw new Error('gateway not started');
    return this.pipelineRef;
  }

  get store(): { db: Db; storeId: string } {
    if (!this.db || !this.storeId) throw new Error('gateway not started');
    return { db: this.db, storeId: this.storeId };
  }

  get sync(): SyncService {
    if (!this.syncRef) throw new Error('gateway not started');
    return this.syncRef;
  }

  get access(): AccessRepo {
    if (!this.accessRef) throw new Error('gateway not started');
    return this.accessRef;
  }

  get interlocks(): Interlocks {
    if (!this.interlocksRef) throw new Error('gateway not started');
    return this.interlocksRef;
  }

  /** Runs a containment command in the next group commit; settles after the commit. */
  command<T>(fn: (r: Repos) => T): Promise<T> {
    const repos = this.reposRef;
    if (!repos || !this.writer) return Promise.reject(new Error('gateway not started'));
    return this.writer.submit(() => fn(repos));
  }

  get commitWriter(): GroupCommitWriter {
    if (!this.writer) throw new Error('gateway not started');
    return this.writer;
  }

  /** Notifications are queued with each hold and delivered from the outbox by the dispatcher. */
  private startNotifications(repos: Repos): void {
    const n = this.config.notifications;
    const broker = this.broker;
    this.dispatcher = new NotificationDispatcher(
      repos.db,
      this.writer!,
      {
        email: n.email.host
          ? {
              host: n.email.host,
              port: n.email.port,
              secure: n.email.secure,
              username: n.email.username,
              password: n.email.password ? resolveSecret(n.email.password) : undefined,
              from: n.email.from,
            }
          : undefined,
        webhook: n.webhook.url
          ? {
              url: n.webhook.url,
              secret: n.webhook.secret ? resolveSecret(n.webhook.secret) : undefined,
              timeoutMs: n.webhook.timeout_ms,
            }
          : undefined,
        mqtt:
          n.mqtt.enabled && broker
            ? { topicPrefix: n.mqtt.topic_prefix, publish: (t, p) => broker.publish(t, p) }
            : undefined,
        retry: { maxAttempts: n.retry.max_attempts, baseMs: n.retry.base_ms, maxMs: n.retry.max_ms },
      },
      this.log.child({ component: 'notify' }),
    );
    const dispatcher = this.dispatcher;
    repos.notifyRoles = createNotificationQueue(repos.outbox, n.recipients, () => dispatcher.kick());
    dispatcher.start();
  }

  get backlogState(): BacklogState | undefined {
    return this.backlog?.current;
  }

  /** Alarm on every change of level: metric, and a notification through the outbox. */
  private backlogChanged(repos: Repos, s: BacklogState, previous: BacklogLevel): void {
    this.metrics.backlogLevel.set(s.level === 'ok' ? 0 : s.level === 'soft' ? 1 : 2);
    if (!this.writer || !repos.notifyRoles) return;
    const notify = repos.notifyRoles;
    void this.writer
      .submit(() => notify(backlogNotice(s, previous, this.config.gateway.plant), this.config.sync.notify))
      .catch((err: unknown) => this.log.warn({ err }, 'backlog notification not queued'));
  }

  private blockPolicies(): BlockPolicies {
    return { ...DEFAULT_BLOCK_POLICIES, ...this.config.containment.block_policies };
  }

  /** Each distinct rule set is stored once, with an audit entry, when it is first used. */
  private recordRuleSet(r: Repos): void {
    const { rules } = this.deps;
    const at = new Date().toISOString();
    r.db.transaction(() => {
      const info = r.db
        .prepare('INSERT OR IGNORE INTO rule_sets (hash, version, loaded_at, body) VALUES (?, ?, ?, ?)')
        .run(rules.hash, rules.version, at, JSON.stringify(rules.rules));
      if (info.changes === 1)
        r.audit.append({
          at,
          actor: { type: 'service', id: 'holdgate' },
          source: 'config',
          action: 'RULE_SET_LOADED',
          entityType: 'rule_set',
          entityId: rules.hash,
          after: { version: rules.version, rules: rules.rules.map((x) => `${x.id}@${x.version}`) },
        });
    })();
    this.log.info(
      { version: rules.version, hash: rules.hash, rules: rules.rules.length },
      'classification rules loaded',
    );
  }

  readiness(): { ready: boolean; checks: Record<string, boolean> } {
    const checks = {
      store: this.db?.open ?? false,
      broker: !this.config.mqtt.embedded.enabled || (this.broker?.listening ?? false),
      running: this.state === 'running',
    };
    // The plant broker is reported but does not gate readiness: local devices and
    // interlocks keep working while it is unreachable.
    const info: Record<string, boolean> = this.plantClient ? { plantBroker: this.plantClient.connected } : {};
    return { ready: Object.values(checks).every(Boolean), checks: { ...checks, ...info } };
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start a gateway that is ${this.state}`);
    this.state = 'starting';
    const { config, log } = this;
    claimStore(config.store.path);
    this.storeClaimed = true;
    const store = openStore({ path: config.store.path, synchronous: config.store.synchronous });
    this.db = store.db;
    this.storeId = store.storeId;
    log.info(
      {
        path: config.store.path,
        storeId: store.storeId,
        schema: store.schemaVersion,
        migrated: store.applied,
      },
      'store open',
    );

    this.writer = new GroupCommitWriter({
      db: store.db,
      windowMs: config.store.batch_window_ms,
      maxBatch: config.store.max_batch,
      onBatch: (s) => {
        this.metrics.batchSize.observe(s.size);
        this.metrics.commitSeconds.observe(s.durationMs / 1000);
        if (s.failed === s.size && s.size > 0) this.metrics.commitFailures.inc();
      },
    });
    const repos = createRepos(store.db, config.gateway.id, store.storeId);
    this.reposRef = repos;
    this.recordRuleSet(repos);
    this.interlocksRef = new Interlocks(repos, this.blockPolicies(), config.containment.unknown_material);
    const applyContainment = createContainmentApplier({
      repos,
      rules: () => this.deps.rules,
      shifts: new ShiftCalendar(config.plant.timezone, config.plant.shifts),
    });

    this.backlog = new BacklogMonitor(
      store.db,
      config.store.path,
      config.sync.bounds,
      log.child({ component: 'backlog' }),
      (s, previous) => this.backlogChanged(repos, s, previous),
    );
    this.backlog.start();
    const backlog = this.backlog;
    this.metrics.registerStoreFiles(() => ({
      ...storeFileBytes(config.store.path),
      freeDisk: freeDiskBytes(config.store.path),
    }));

    this.pipelineRef = new IngestPipeline({
      admit: () => backlog.admit(),
      profiles: this.deps.profiles,
      writer: this.writer,
      eventLog: new EventLog(store.db),
      metrics: this.metrics,
      log: log.child({ component: 'ingest' }),
      maxPayloadBytes: config.ingest.max_payload_bytes,
      deadLetterMaxBytes: config.ingest.dead_letter_max_bytes,
      appliers: [applyContainment],
    });

    if (config.mqtt.embedded.enabled) {
      const e = config.mqtt.embedded;
      this.broker = new EmbeddedBroker({
        options: {
          host: e.host,
          port: e.port,
          plaintext: e.plaintext,
          tls:
            e.tls.enabled && e.tls.cert_file && e.tls.key_file
              ? {
                  host: e.tls.host,
                  port: e.tls.port,
                  certFile: e.tls.cert_file,
                  keyFile: e.tls.key_file,
                  caFile: e.tls.ca_file,
                }
              : undefined,
          websocket: e.websocket.enabled ? { host: e.websocket.host, port: e.websocket.port } : undefined,
          allowAnonymous: config.mqtt.allow_anonymous,
          devices: config.mqtt.devices,
        },
        pipeline: this.pipelineRef,
        interlocks: new InterlockTopic(this.interlocksRef, this.writer),
        log: log.child({ component: 'mqtt' }),
        metrics: this.metrics,
      });
      await this.broker.start();
    }

    this.startNotifications(repos);
    this.escalation = new EscalationScheduler(
      repos,
      this.writer,
      config.approvals.escalation_check_ms,
      log.child({ component: 'sla' }),
    );
    this.escalation.start();
    this.syncRef = new SyncService(
      this.deps.targets ?? [],
      repos,
      this.writer,
      this.metrics,
      log.child({ component: 'sync' }),
      config.sync.notify,
    );
    this.syncRef.start();

    const c = config.mqtt.client;
    if (c.enabled && c.url) {
      this.plantClient = new PlantBrokerClient({
        options: {
          url: c.url,
          clientId: c.client_id ?? `holdgate-${config.gateway.id}`,
          username: c.username,
          password: c.password ? resolveSecret(c.password) : undefined,
          caFile: c.ca_file,
          topics: c.topics ?? this.deps.profiles.filters(),
          keepaliveS: c.keepalive_s,
        },
        pipeline: this.pipelineRef,
        log: log.child({ component: 'mqtt-client' }),
      });
      this.plantClient.start();
    }

    this.accessRef = new AccessRepo(store.db);
    this.app = buildApp({
      log,
      metrics: this.metrics,
      readiness: () => this.readiness(),
      startedAt: this.startedAt,
      version: VERSION,
      mode: config.gateway.mode,
      api: {
        mode: config.gateway.mode,
        plant: config.gateway.plant,
        repos,
        orders: repos.orders,
        access: this.accessRef,
        interlocks: this.interlocksRef,
        writer: this.writer,
        command: (fn) => this.command(fn),
        now: () => new Date(),
        routes: () => this.deps.rules.routes,
        sync: () => this.syncRef!,
        backlog: () => this.backlog!.current,
      },
    });
    await this.app.ready();
    if (config.http.enabled) {
      await this.app.listen({ host: config.http.host, port: config.http.port });
      log.info({ host: config.http.host, port: this.httpPort }, 'HTTP API listening');
    }
    this.state = 'running';
  }

  /** Safe to call twice and after a failed start. */
  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    const step = async (name: string, fn: () => Promise<void> | void) => {
      try {
        await fn();
      } catch (err) {
        this.log.error({ err, step: name }, 'stop step failed');
      }
    };
    await step('http', () => this.app?.close());
    await step('broker', () => this.broker?.stop());
    await step('plant-client', () => this.plantClient?.stop());
    await step('sync', () => this.syncRef?.stop());
    await step('backlog', () => this.backlog?.stop());
    await step('escalation', () => this.escalation?.stop());
    await step('notifications', () => this.dispatcher?.stop());
    await step('writer', () => this.writer?.close());
    await step('pipeline', () => this.pipelineRef?.stop());
    await step('store', () => {
      this.db?.close();
      if (this.storeClaimed) releaseStore(this.config.store.path);
    });
    this.state = 'stopped';
    this.log.info('stopped');
  }
}
