/**
 * Benchmark publisher, run in its own process: publishes N copies of the simulator's
 * UnitsTested payload (each with its own UniqueID) at QoS 1 over C connections, each
 * with a fixed in-flight window, and prints one JSON line with its figures.
 *
 * argv: url count connections window [topic]
 */
import mqtt from 'mqtt';
import { simulatePlant, DEFAULT_SIM } from '../src/sim/plant.js';
import { percentiles } from './procs.js';

const [url = 'mqtt://127.0.0.1:1883', countArg = '20000', connArg = '4', windowArg = '100', topicArg] =
  process.argv.slice(2);
const count = Number(countArg);
const connections = Number(connArg);
const window = Number(windowArg);

function template(): { topic: string; text: string } {
  for (const m of simulatePlant({ ...DEFAULT_SIM, unitsPerLine: 3 }))
    if (m.payload.MessageName === 'CFX.Production.TestAndInspection.UnitsTested')
      return {
        topic: m.topic,
        // Every message its own id and serial, as a real tester sends them.
        text: JSON.stringify({ ...m.payload, UniqueID: '__ID__' }).replaceAll(
          (m.payload.MessageBody as { TestedUnits: { UnitIdentifier: string }[] }).TestedUnits[0]!
            .UnitIdentifier,
          '__SN__',
        ),
      };
  throw new Error('no UnitsTested in the simulation');
}

async function main(): Promise<void> {
  const t = template();
  const topic = topicArg ?? t.topic;
  const clients = await Promise.all(
    Array.from({ length: connections }, (_, i) =>
      mqtt.connectAsync(url, { clientId: `bench-pub-${process.pid}-${i}`, reconnectPeriod: 0, clean: true }),
    ),
  );
  const latencies = new Float64Array(count);
  let next = 0;
  let done = 0;
  const runId = `${process.pid}-${Date.now()}`;
  const started = performance.now();
  const startedAt = Date.now();
  await new Promise<void>((resolve, reject) => {
    const send = (client: mqtt.MqttClient) => {
      if (next >= count) return;
      const i = next++;
      const payload = t.text
        .replace('__ID__', `${runId}-${i}`)
        .replaceAll('__SN__', `SN-BENCH-${runId}-${i}`);
      const sentAt = performance.now();
      client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err) return reject(err);
        latencies[i] = performance.now() - sentAt;
        if (++done === count) resolve();
        else send(client);
      });
    };
    for (const c of clients) for (let w = 0; w < window; w++) send(c);
  });
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  const pct = percentiles(latencies);
  console.log(
    JSON.stringify({
      count,
      seconds,
      rate: count / seconds,
      startedAt,
      ackP50Ms: pct(0.5),
      ackP99Ms: pct(0.99),
      payloadBytes: Buffer.byteLength(t.text),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
