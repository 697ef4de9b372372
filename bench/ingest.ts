/**
 * Ingest benchmark rounds: (a) durable ingest through Holdgate, (b) raw aedes
 * publisher → subscriber, (c) raw aedes acking without storing, and Holdgate in
 * client mode behind mosquitto. Every peer runs in its own process.
 */
import { HOLDGATE_BIN, spawnDaemon, signal, writeDaemonConfig } from '../test/helpers/daemon.js';
import { tempDir } from '../test/helpers/gateway.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { rssMb, spawnScript } from './procs.js';

export interface PublisherResult {
  count: number;
  seconds: number;
  rate: number;
  startedAt: number;
  ackP50Ms: number;
  ackP99Ms: number;
  payloadBytes: number;
}

export const INGEST = { messages: 30_000, connections: 4, window: 100 };

async function publish(url: string, count = INGEST.messages, topic?: string): Promise<PublisherResult> {
  const pub = spawnScript('publisher.ts', [
    url,
    String(count),
    String(INGEST.connections),
    String(INGEST.window),
    ...(topic ? [topic] : []),
  ]);
  const line = await pub.line((l) => l.startsWith('{'));
  await pub.stop();
  return JSON.parse(line) as PublisherResult;
}

/** (a) publish → validate → map → dedupe → commit → PUBACK, Holdgate as a real daemon. */
export async function holdgateRound(
  extra: (dir: string) => Record<string, unknown> = () => ({}),
): Promise<PublisherResult & { rssMb: number }> {
  const tmp = tempDir('holdgate-bench-');
  const daemon = spawnDaemon(process.execPath, [
    HOLDGATE_BIN,
    'run',
    '--config',
    writeDaemonConfig(tmp.dir, extra(tmp.dir)),
  ]);
  try {
    const { mqttPort } = await daemon.ready;
    const r = await publish(`mqtt://127.0.0.1:${mqttPort}`);
    return { ...r, rssMb: rssMb(daemon.proc.pid!) };
  } finally {
    signal(daemon, 'SIGTERM');
    await daemon.exited;
    tmp.cleanup();
  }
}

async function withAedes<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const broker = spawnScript('aedes-broker.ts', []);
  try {
    const { port } = JSON.parse(await broker.line((l) => l.startsWith('{'))) as { port: number };
    return await fn(`mqtt://127.0.0.1:${port}`);
  } finally {
    await broker.stop();
  }
}

/** (b) raw aedes, QoS 1 publisher → subscriber: messages/s as the subscriber receives them. */
export function aedesPubSubRound(): Promise<number> {
  return withAedes(async (url) => {
    const sub = spawnScript('subscriber.ts', [url, String(INGEST.messages), 'cfx/#']);
    await sub.line((l) => l === 'ready');
    const pub = await publish(url);
    const done = JSON.parse(await sub.line((l) => l.startsWith('{'))) as { lastAt: number };
    await sub.stop();
    return INGEST.messages / ((done.lastAt - pub.startedAt) / 1000);
  });
}

/** (c) raw aedes acknowledging QoS 1 with nobody subscribed and nothing stored. */
export function aedesAckRound(): Promise<number> {
  return withAedes(async (url) => (await publish(url)).rate);
}

/**
 * Holdgate subscribed to mosquitto: mosquitto has all messages queued first, then
 * Holdgate drains them; mqtt.js hands over one message per PUBACK, so this is the
 * commit-per-message rate.
 */
export async function clientModeRound(count = 5000): Promise<number> {
  const broker = await startMosquitto();
  const tmp = tempDir('holdgate-bench-cm-');
  const config = writeDaemonConfig(tmp.dir, {
    mqtt: {
      allow_anonymous: true,
      embedded: { enabled: false },
      client: { enabled: true, url: broker.url, client_id: 'holdgate-bench' },
    },
  });
  const daemon = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', config]);
  try {
    const { httpPort } = await daemon.ready;
    const stored = async () => {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      return Number(/holdgate_ingest_events_total\{kind="UNITS_TESTED"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const subscribed = async () =>
      (
        (await (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).json()) as {
          checks: { plantBroker?: boolean };
        }
      ).checks.plantBroker;
    while (!(await subscribed())) await new Promise((r) => setTimeout(r, 50));
    const pub = await publish(broker.url, count);
    while ((await stored()) < count) await new Promise((r) => setTimeout(r, 10));
    return count / ((Date.now() - pub.startedAt) / 1000);
  } finally {
    signal(daemon, 'SIGTERM');
    await daemon.exited;
    await broker.stop();
    tmp.cleanup();
  }
}
