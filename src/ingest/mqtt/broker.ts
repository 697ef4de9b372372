/**
 * The embedded MQTT broker (aedes) on TCP and, optionally, WebSocket. A device's
 * QoS 1 PUBACK is sent only after its event is committed: aedes writes the PUBACK
 * after `authorizePublish` calls back, so the callback waits for the ingest promise
 * (aedes 1.2: the `published` hook and `publish` event run after the PUBACK, too late).
 */
import { createServer as createTcpServer, type Server as TcpServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { IngestPipeline } from '../pipeline.js';

export interface BrokerOptions {
  host: string;
  port: number;
  websocket?: { host: string; port: number };
  allowAnonymous: boolean;
}

export interface BrokerDeps {
  options: BrokerOptions;
  pipeline: IngestPipeline;
  log: Logger;
  metrics: Metrics;
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign<Error, { returnCode: number }>(new Error(message), { returnCode });
}

function listen(server: TcpServer | HttpServer, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: TcpServer | HttpServer | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}

export class EmbeddedBroker {
  private readonly deps: BrokerDeps;
  private aedes?: Aedes;
  private tcp?: TcpServer;
  private http?: HttpServer;
  private wss?: WebSocketServer;
  private tcpAddress?: AddressInfo;
  private wsAddress?: AddressInfo;

  constructor(deps: BrokerDeps) {
    this.deps = deps;
  }

  get listening(): boolean {
    return this.tcp?.listening ?? false;
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
      authenticate: (client, username, _password, done) => {
        if (username === undefined && options.allowAnonymous) return done(null, true);
        // Device credentials arrive with "Gateway core (2/2)"; until then only demo mode admits devices.
        log.warn({ clientId: client.id, username }, 'MQTT connection refused: bad username or password');
        done(authError('bad username or password', 4), false);
      },
      authorizePublish: (client, packet, callback) => this.authorizePublish(client, packet, callback),
    });
    aedes.on('client', () => metrics.mqttClients.inc());
    aedes.on('clientDisconnect', () => metrics.mqttClients.dec());
    aedes.on('clientError', (client, err) =>
      log.debug({ clientId: client.id, err: err.message }, 'MQTT client error'),
    );
    this.aedes = aedes;

    this.tcp = createTcpServer((socket) => aedes.handle(socket));
    this.tcpAddress = await listen(this.tcp, options.port, options.host);
    log.info({ host: this.tcpAddress.address, port: this.tcpAddress.port }, 'MQTT broker listening (TCP)');

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
    this.deps.pipeline.ingest({ transport: 'mqtt', deviceId: client.id, topic: packet.topic, payload }).then(
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

  /** Stops accepting connections, disconnects clients. In-flight commits still settle. */
  async stop(): Promise<void> {
    const closing = [closeServer(this.tcp), closeServer(this.http)];
    this.wss?.close();
    if (this.aedes) {
      const aedes = this.aedes;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    }
    await Promise.all(closing);
    this.aedes = undefined;
  }
}
