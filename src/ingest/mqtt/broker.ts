/**
 * The embedded MQTT broker (aedes) on TCP and, optionally, WebSocket. A device's
 * QoS 1 PUBACK is sent only after its event is committed: aedes writes the PUBACK
 * after `authorizePublish` calls back, so the callback waits for the ingest promise
 * (aedes 1.2: the `published` hook and `publish` event run after the PUBACK, too late).
 */
import { createServer as createTcpServer, type Server as TcpServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { Aedes, type Client, type Subscription } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { IngestPipeline } from '../pipeline.js';
import { BurstLogger } from '../burst-log.js';
import { BrokerAuth, type DeviceSpec } from './auth.js';
import { InterlockTopic, REQUEST_PREFIX } from './interlock-topic.js';

export interface BrokerOptions {
  host: string;
  port: number;
  /** false: no plain-TCP listener. */
  plaintext: boolean;
  tls?: { host: string; port: number; certFile: string; keyFile: string; caFile?: string };
  websocket?: { host: string; port: number };
  allowAnonymous: boolean;
  devices: readonly DeviceSpec[];
}

export interface BrokerDeps {
  options: BrokerOptions;
  pipeline: IngestPipeline;
  /** Answers interlock requests published to holdgate/interlock/request/<requester>. */
  interlocks?: InterlockTopic;
  log: Logger;
  metrics: Metrics;
}

type AnyServer = TcpServer | HttpServer | TlsServer;

function listen(server: AnyServer, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: AnyServer | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}

export class EmbeddedBroker {
  private readonly deps: BrokerDeps;
  private readonly auth: BrokerAuth;
  private readonly refusals: BurstLogger;
  private aedes?: Aedes;
  private tcp?: TcpServer;
  private tls?: TlsServer;
  private tlsAddress?: AddressInfo;
  private http?: HttpServer;
  private wss?: WebSocketServer;
  private tcpAddress?: AddressInfo;
  private wsAddress?: AddressInfo;

  constructor(deps: BrokerDeps) {
    this.deps = deps;
    this.auth = new BrokerAuth(deps.options.devices, deps.options.allowAnonymous, deps.log);
    this.refusals = new BurstLogger(deps.log);
  }

  /** Every configured listener is up. */
  get listening(): boolean {
    const o = this.deps.options;
    return (
      (!o.plaintext || (this.tcp?.listening ?? false)) &&
      (!o.tls || (this.tls?.listening ?? false)) &&
      (!o.websocket || (this.http?.listening ?? false))
    );
  }

  get tlsPort(): number | undefined {
    return this.tlsAddress?.port;
  }

  /** Bound TCP port (useful with port 0). */
  get port(): number | undefined {
    return this.tcpAddress?.port;
  }

  get websocketPort(): number | undefined {
    return this.wsAddress?.port;
  }

  async start(): Promise<void> {
    const { options, log, metrics } = this.deps;
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) =>
        this.auth.authenticate(client, username, password, done),
      authorizePublish: (client, packet, callback) => this.authorizePublish(client, packet, callback),
      authorizeSubscribe: (client, sub, callback) => this.authorizeSubscribe(client, sub, callback),
    });
    aedes.on('client', () => metrics.mqttClients.inc());
    aedes.on('clientDisconnect', () => metrics.mqttClients.dec());
    aedes.on('clientError', (client, err) =>
      log.debug({ clientId: client.id, err: err.message }, 'MQTT client error'),
    );
    this.aedes = aedes;

    if (options.plaintext) {
      this.tcp = createTcpServer((socket) => aedes.handle(socket));
      this.tcpAddress = await listen(this.tcp, options.port, options.host);
      log.info({ host: this.tcpAddress.address, port: this.tcpAddress.port }, 'MQTT broker listening (TCP)');
    }

    if (options.tls) {
      const t = options.tls;
      this.tls = createTlsServer(
        {
          cert: readFileSync(t.certFile),
          key: readFileSync(t.keyFile),
          ...(t.caFile ? { ca: readFileSync(t.caFile), requestCert: true, rejectUnauthorized: true } : {}),
          minVersion: 'TLSv1.2',
        },
        (socket) => aedes.handle(socket),
      );
      // A failed handshake (e.g. plain MQTT on the TLS port) is the peer's problem, not ours.
      this.tls.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
      this.tlsAddress = await listen(this.tls, t.port, t.host);
      log.info({ host: this.tlsAddress.address, port: this.tlsAddress.port }, 'MQTT broker listening (TLS)');
    }

    if (options.websocket) {
      this.http = createHttpServer((_req, res) => res.writeHead(426).end('MQTT over WebSocket only\n'));
      this.wss = new WebSocketServer({ server: this.http });
      this.wss.on('connection', (socket, req) => aedes.handle(createWebSocketStream(socket), req));
      this.wsAddress = await listen(this.http, options.websocket.port, options.websocket.host);
      log.info(
        { host: this.wsAddress.address, port: this.wsAddress.port },
        'MQTT broker listening (WebSocket)',
      );
    }
  }

  private authorizePublish(
    client: Client | null,
    packet: { topic: string; payload: Buffer | string; qos: number },
    callback: (error?: Error | null) => void,
  ): void {
    // Publishes by the broker itself (client null) are not device input.
    if (!client) return callback(null);
    if (packet.topic.startsWith('$')) return callback(new Error(`${packet.topic}: reserved topic`));
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const deviceId = this.auth.deviceId(client);
    if (!this.auth.mayPublish(client, packet.topic)) {
      // MQTT 3.1.1 has no negative PUBACK: refusing closes the connection (aedes' behaviour).
      this.deps.metrics.mqttRefused.inc({ action: 'publish' });
      this.refusals.warn(
        `pub|${deviceId}|${packet.topic}`,
        { device: deviceId, clientId: client.id, topic: packet.topic },
        `MQTT publish refused: ${deviceId} may not publish to ${packet.topic} (check mqtt.devices[].publish)`,
      );
      return callback(new Error(`not authorized to publish to ${packet.topic}`));
    }
    const requester = InterlockTopic.requester(packet.topic);
    if (requester !== undefined && this.deps.interlocks)
      return this.answerInterlock(client, deviceId, requester, payload, callback);
    // A refusal (backlog full) rejects like a failed commit: no PUBACK either way.
    this.deps.pipeline.ingest({ transport: 'mqtt', deviceId, topic: packet.topic, payload }).then(
      () => callback(null),
      // Not committed: an error makes aedes drop the connection without a PUBACK,
      // so the device resends (clean: false) and nothing acknowledged is lost.
      (err: unknown) => {
        this.deps.log.error(
          { err, clientId: client.id, topic: packet.topic },
          'ingest not committed; no PUBACK',
        );
        callback(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  /**
   * An interlock request: answered from local state and acknowledged at once (nothing
   * is stored for it; refusals are recorded separately). A device may only ask under
   * its own id, so the reply topic it reads is its own.
   */
  private answerInterlock(
    client: Client,
    deviceId: string,
    requester: string,
    payload: Buffer,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.auth.isDevice(client) && requester !== deviceId) {
      this.deps.metrics.mqttRefused.inc({ action: 'publish' });
      this.refusals.warn(
        `il|${deviceId}|${requester}`,
        { device: deviceId, requester },
        `MQTT interlock request refused: ${deviceId} may only ask as itself (topic ${REQUEST_PREFIX}${deviceId})`,
      );
      return callback(new Error('interlock requests must use the device’s own id'));
    }
    const reply = this.deps.interlocks!.answer(requester, payload);
    callback(null);
    this.aedes?.publish(
      {
        cmd: 'publish',
        topic: reply.topic,
        payload: Buffer.from(JSON.stringify(reply.payload)),
        qos: 1,
        retain: false,
        dup: false,
      },
      (err) => {
        if (err) this.deps.log.warn({ err, topic: reply.topic }, 'interlock reply not delivered');
      },
    );
  }

  private authorizeSubscribe(
    client: Client,
    sub: Subscription,
    callback: (err: Error | null, sub?: Subscription | null) => void,
  ): void {
    if (this.auth.maySubscribe(client, sub.topic)) return callback(null, sub);
    const deviceId = this.auth.deviceId(client);
    this.deps.metrics.mqttRefused.inc({ action: 'subscribe' });
    this.refusals.warn(
      `sub|${deviceId}|${sub.topic}`,
      { device: deviceId, clientId: client.id, filter: sub.topic },
      `MQTT subscribe refused: ${deviceId} may not subscribe to ${sub.topic} (check mqtt.devices[].subscribe)`,
    );
    // null grants nothing: the SUBACK carries 0x80 (failure) for this filter.
    callback(null, null);
  }

  /** Publishes from the broker itself (notifications, replies) at QoS 1. */
  publish(topic: string, payload: Buffer): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('the broker is not running'));
    return new Promise((resolve, reject) =>
      aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  /** Stops accepting connections, disconnects clients. In-flight commits still settle. */
  async stop(): Promise<void> {
    this.refusals.stop();
    const closing = [closeServer(this.tcp), closeServer(this.tls), closeServer(this.http)];
    this.wss?.close();
    if (this.aedes) {
      const aedes = this.aedes;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    }
    await Promise.all(closing);
    this.aedes = undefined;
  }
}
