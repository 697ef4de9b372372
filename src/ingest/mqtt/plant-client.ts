/**
 * Client mode: Holdgate subscribes to the plant's own broker. That broker acknowledges
 * the devices itself, so Holdgate's guarantee is its own PUBACK to the broker: mqtt.js
 * sends it after `handleMessage` calls back, and that callback waits for the commit.
 * With `clean: false` and a fixed client id the broker keeps Holdgate's session and
 * queued messages across restarts, and redelivers anything not acknowledged.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient, type IClientOptions, type Packet } from 'mqtt';
import type { Logger } from '../../log.js';
import type { IngestPipeline } from '../pipeline.js';

export interface PlantClientOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  caFile?: string;
  topics: string[];
  keepaliveS: number;
}

export interface PlantClientDeps {
  options: PlantClientOptions;
  pipeline: IngestPipeline;
  log: Logger;
}

/** Device id recorded for events that came through the plant broker (it knows the real sender). */
export const PLANT_BROKER_DEVICE = 'plant-broker';

export class PlantBrokerClient {
  private readonly deps: PlantClientDeps;
  private client?: MqttClient;
  private subscribed = false;

  constructor(deps: PlantClientDeps) {
    this.deps = deps;
  }

  /** Connected and subscribed: from here on the broker queues everything for Holdgate. */
  get connected(): boolean {
    return (this.client?.connected ?? false) && this.subscribed;
  }

  /** Starts connecting; does not wait: the plant broker may be down while Holdgate runs. */
  start(): void {
    const { options, log } = this.deps;
    const opts: IClientOptions = {
      clientId: options.clientId,
      clean: false,
      protocolVersion: 4,
      keepalive: options.keepaliveS,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      resubscribe: true,
      ...(options.username ? { username: options.username } : {}),
      ...(options.password ? { password: options.password } : {}),
      ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
    };
    const client = mqtt.connect(options.url, opts);
    this.client = client;
    client.handleMessage = (packet, callback) => this.handle(packet, callback);
    client.on('connect', (connack) => {
      log.info(
        { url: options.url, clientId: options.clientId, sessionPresent: connack.sessionPresent },
        'connected to plant broker',
      );
      // A kept session already has the subscriptions; subscribing again is harmless and
      // covers a broker that lost its state.
      client.subscribe(
        options.topics.map((t) => t),
        { qos: 1 },
        (err, granted) => {
          if (err) return log.error({ err }, 'plant broker subscription failed');
          this.subscribed = true;
          const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
          if (refused.length > 0)
            log.error({ refused }, 'plant broker refused subscriptions (check its ACL for Holdgate)');
        },
      );
    });
    client.on('reconnect', () => log.debug({ url: options.url }, 'reconnecting to plant broker'));
    client.on('close', () => (this.subscribed = false));
    client.on('offline', () => log.warn({ url: options.url }, 'plant broker unreachable; retrying'));
    client.on('error', (err) =>
      log.warn({ err: err.message, url: options.url }, 'plant broker connection error'),
    );
  }

  private handle(packet: Packet, callback: (err?: Error) => void): void {
    if (packet.cmd !== 'publish') return callback();
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    this.deps.pipeline
      .ingest({
        transport: 'mqtt-client',
        deviceId: PLANT_BROKER_DEVICE,
        topic: packet.topic,
        payload,
        urgent: true,
      })
      .then(
        () => callback(),
        (err: unknown) => {
          // Not committed: no PUBACK, and drop the connection so the broker redelivers
          // after the reconnect instead of waiting on this message forever.
          this.deps.log.error(
            { err, topic: packet.topic },
            'plant-broker message not committed; reconnecting for redelivery',
          );
          callback(err instanceof Error ? err : new Error(String(err)));
          this.client?.stream?.destroy();
        },
      );
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync();
  }
}
