/**
 * Benchmark subscriber, run in its own process: subscribes at QoS 1, prints "ready",
 * then one JSON line when `count` messages have arrived (with the wall-clock time of the last).
 *
 * argv: url count topic
 */
import mqtt from 'mqtt';

const [url = 'mqtt://127.0.0.1:1883', countArg = '20000', topic = '#'] = process.argv.slice(2);
const count = Number(countArg);

async function main(): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-sub-${process.pid}`, reconnectPeriod: 0 });
  let got = 0;
  client.on('message', () => {
    if (++got === count) {
      console.log(JSON.stringify({ count, lastAt: Date.now() }));
      void client.endAsync().then(() => process.exit(0));
    }
  });
  await client.subscribeAsync(topic, { qos: 1 });
  console.log('ready');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
