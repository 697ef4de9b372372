/** Publishes a simulated run over MQTT (QoS 1) with a fixed in-flight window and an optional rate. */
import mqtt from 'mqtt';
import { simulatePlant, type SimOptions } from './plant.js';

export interface PublishOptions {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  /** Messages per second; 0 = as fast as the window allows. */
  rate: number;
  window: number;
  signal?: AbortSignal;
  onMessage?: (topic: string, payload: Record<string, unknown>) => void;
}

export interface PublishSummary {
  messages: number;
  failedUnits: Record<string, number>;
  seconds: number;
}

export async function publishSimulation(sim: SimOptions, opts: PublishOptions): Promise<PublishSummary> {
  const client = await mqtt.connectAsync(opts.url, {
    clientId: opts.clientId ?? `holdgate-sim-${sim.seed}`,
    reconnectPeriod: 1000,
    ...(opts.username ? { username: opts.username, password: opts.password } : {}),
  });
  const started = Date.now();
  const failedUnits: Record<string, number> = {};
  let sent = 0;
  const inflight = new Set<Promise<unknown>>();
  try {
    for (const msg of simulatePlant(sim)) {
      if (opts.signal?.aborted) break;
      const body = msg.payload.MessageBody as {
        TestedUnits?: { OverallResult: string }[];
        InspectedUnits?: { OverallResult: string }[];
      };
      const unit = body.TestedUnits?.[0] ?? body.InspectedUnits?.[0];
      if (unit?.OverallResult === 'Failed') {
        const key = msg.topic.split('/').slice(2, 4).join('/');
        failedUnits[key] = (failedUnits[key] ?? 0) + 1;
      }
      opts.onMessage?.(msg.topic, msg.payload);
      const p = client.publishAsync(msg.topic, JSON.stringify(msg.payload), { qos: 1 });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      sent++;
      if (inflight.size >= opts.window) await Promise.race(inflight);
      if (opts.rate > 0) {
        const due = started + (sent / opts.rate) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
    await Promise.all(inflight);
  } finally {
    await client.endAsync();
  }
  return { messages: sent, failedUnits, seconds: (Date.now() - started) / 1000 };
}
