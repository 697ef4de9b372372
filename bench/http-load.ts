/**
 * Open-loop HTTP load from its own process: requests are sent on a fixed schedule
 * (rate per second) whether or not earlier ones have answered, and each latency is
 * measured from its scheduled time, so a stall shows up in the tail instead of
 * silently lowering the rate (no coordinated omission). Prints one JSON line.
 *
 * argv: baseUrl rate seconds pathTemplate(with {i}) subjects(count) [token]
 */
import { Pool } from 'undici';
import { percentiles } from './procs.js';

const [
  base = 'http://127.0.0.1:8080',
  rateArg = '2000',
  secondsArg = '10',
  template = '/healthz',
  nArg = '1000',
  token,
] = process.argv.slice(2);
const rate = Number(rateArg);
const total = Math.round(rate * Number(secondsArg));
const n = Number(nArg);

async function main(): Promise<void> {
  const pool = new Pool(base, { connections: 32, pipelining: 1, keepAliveTimeout: 30_000 });
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const latencies = new Float64Array(total);
  let errors = 0;
  const start = performance.now() + 50;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const path = template.replace('{i}', String(i % n));
    // Latency counts from the scheduled time, or from the send if that was (slightly) early.
    const from = Math.max(due, performance.now());
    pending.push(
      pool.request({ method: 'GET', path, headers }).then(
        async (res) => {
          await res.body.dump();
          if (res.statusCode !== 200) errors++;
          latencies[i] = performance.now() - from;
        },
        () => {
          errors++;
          latencies[i] = performance.now() - from;
        },
      ),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  const pct = percentiles(latencies);
  console.log(
    JSON.stringify({
      total,
      errors,
      achievedRate: total / elapsed,
      p50: pct(0.5),
      p99: pct(0.99),
      max: pct(1),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
