/**
 * `npm run bench`: starts and stops every peer it uses, prints each figure beside its
 * baseline from the same run and the goal, and ends with one JSON line of all
 * figures (later issues add their keys to it).
 */
import { cpus, totalmem } from 'node:os';
import { aedesAckRound, aedesPubSubRound, clientModeRound, holdgateRound, INGEST } from './ingest.js';
import { median } from './procs.js';
import { interlockBench, INTERLOCK } from './interlock.js';
import { interlockHttpBench, HTTP_LOAD } from './interlock-http.js';
import { drainBench, DRAIN } from './drain.js';
import { trytonDrainBench, TRYTON_DRAIN } from './drain-tryton.js';

// Five rounds: single rounds of the ingest ratio move by ±5 % on this 2-core machine.
const ROUNDS = 5;
const log = (s: string) => console.log(s);
const fmt = (n: number | null, d = 0) =>
  n === null ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: d });

async function main(): Promise<void> {
  const figures: Record<string, number | null> = {};
  log(
    `Holdgate benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  log(
    `ingest: ${INGEST.messages} CFX UnitsTested messages per round, ${INGEST.connections} connections × window ${INGEST.window}, ${ROUNDS} alternating rounds, medians`,
  );

  const a: Awaited<ReturnType<typeof holdgateRound>>[] = [];
  const b: number[] = [];
  const c: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    a.push(await holdgateRound());
    b.push(await aedesPubSubRound());
    c.push(await aedesAckRound());
    log(
      `  round ${round}: holdgate ${fmt(a.at(-1)!.rate)} msg/s · aedes pub→sub ${fmt(b.at(-1)!)} · aedes ack ${fmt(c.at(-1)!)}`,
    );
  }
  figures.ingest_msgs_per_s = median(a.map((x) => x.rate));
  figures.aedes_pubsub_msgs_per_s = median(b);
  figures.aedes_ack_msgs_per_s = median(c);
  // Median of the per-round ratios: each round runs Holdgate and raw aedes back to back,
  // so a round's ratio compares the two under the same machine conditions.
  figures.ingest_ratio = median(a.map((x, i) => x.rate / b[i]!));
  figures.ingest_vs_ack_ratio = figures.ingest_msgs_per_s / figures.aedes_ack_msgs_per_s;
  figures.ack_p50_ms = median(a.map((x) => x.ackP50Ms));
  figures.ack_p99_ms = median(a.map((x) => x.ackP99Ms));
  figures.rss_mb = median(a.map((x) => x.rssMb));
  log(
    `ingest (durable, ack after commit): ${fmt(figures.ingest_msgs_per_s)} msg/s, payload ${a[0]!.payloadBytes} B`,
  );
  log(
    `  ingest_ratio vs raw aedes pub→sub: ${fmt(figures.ingest_ratio, 3)} (median of the per-round ratios ${a.map((x, i) => fmt(x.rate / b[i]!, 3)).join(', ')}; goal ≥ 0.5)`,
  );
  log(`  vs raw aedes ack-only: ${fmt(figures.ingest_vs_ack_ratio, 2)} (reported)`);
  log(
    `  ack latency p50 ${fmt(figures.ack_p50_ms, 2)} ms, p99 ${fmt(figures.ack_p99_ms, 2)} ms; daemon RSS ${fmt(figures.rss_mb, 1)} MB`,
  );

  const il = interlockBench();
  figures.interlock_p50_us = il.p50;
  figures.interlock_p99_us = il.p99;
  figures.sqlite_point_lookup_p99_us = il.baselineP99;
  figures.interlock_vs_point_lookup_p99 = il.p99 / il.baselineP99;
  log(
    `interlock (in process, ${INTERLOCK.units.toLocaleString('en-US')} units, ${(INTERLOCK.lotLines + INTERLOCK.serialLines).toLocaleString('en-US')} active hold lines, seeded in ${il.seedSeconds.toFixed(1)} s): p50 ${fmt(il.p50, 1)} µs, p99 ${fmt(il.p99, 1)} µs (goal ≤ 100 µs); bare SQLite point lookup p50 ${fmt(il.baselineP50, 1)} µs, p99 ${fmt(il.baselineP99, 1)} µs`,
  );

  const http = await interlockHttpBench();
  figures.interlock_http_p50_ms = http.interlock.p50;
  figures.interlock_http_p99_ms = http.interlock.p99;
  figures.healthz_http_p99_ms = http.baseline.p99;
  figures.interlock_http_errors = http.interlock.errors;
  log(
    `interlock over HTTP (loopback, open loop at ${HTTP_LOAD.rate} req/s for ${HTTP_LOAD.seconds} s from its own process, achieved ${fmt(http.interlock.achievedRate)}): p50 ${fmt(http.interlock.p50, 2)} ms, p99 ${fmt(http.interlock.p99, 2)} ms (goal < 5 ms), ${http.interlock.errors} errors; /healthz baseline p99 ${fmt(http.baseline.p99, 2)} ms`,
  );

  const unbatched = await drainBench(1, 16);
  const batched = await drainBench(100, 8);
  figures.drain_http_rows_per_s = unbatched.rowsPerS;
  figures.drain_http_batched_rows_per_s = batched.rowsPerS;
  log(
    `drain of a ${DRAIN.rows.toLocaleString('en-US')}-row backlog (${DRAIN.keys} keys) to a local HTTP receiver: unbatched (16 in flight) ${fmt(unbatched.rowsPerS)} rows/s in ${unbatched.seconds.toFixed(1)} s; batched (100 rows × 8) ${fmt(batched.rowsPerS)} rows/s in ${batched.seconds.toFixed(1)} s (goal ≥ 1,667 rows/s)`,
  );

  try {
    const t = await trytonDrainBench();
    figures.drain_tryton_rows_per_s = t.rowsPerS;
    figures.tryton_rtt_ms = t.rttMs;
    figures.drain_tryton_rows_per_rtt = (t.rowsPerS * t.rttMs) / 1000;
    log(
      `drain to a real Tryton 6.0 (SQLite, loopback): ${t.rows.toLocaleString('en-US')} hold/release rows over ${TRYTON_DRAIN.lots} lots, batches of ${TRYTON_DRAIN.batch} × ${TRYTON_DRAIN.concurrency} in flight: ${fmt(t.rowsPerS)} rows/s in ${t.seconds.toFixed(1)} s; Tryton's own single read round trip ${fmt(t.rttMs, 1)} ms (median of ${TRYTON_DRAIN.rttCalls}) → ${fmt(figures.drain_tryton_rows_per_rtt, 2)} rows per round trip`,
    );
  } catch (err) {
    figures.drain_tryton_rows_per_s = null;
    figures.tryton_rtt_ms = null;
    figures.drain_tryton_rows_per_rtt = null;
    console.error(`Tryton drain not measured (Tryton could not start or failed): ${(err as Error).message}`);
  }

  try {
    figures.client_mode_msgs_per_s = await clientModeRound();
    log(
      `client mode (mosquitto → Holdgate, one commit per PUBACK): ${fmt(figures.client_mode_msgs_per_s)} msg/s`,
    );
  } catch (err) {
    figures.client_mode_msgs_per_s = null;
    console.error(`client mode not measured: ${(err as Error).message}`);
  }

  const rounded = Object.fromEntries(
    Object.entries(figures).map(([k, v]) => [k, v === null ? null : Math.round(v * 1000) / 1000]),
  );
  log(JSON.stringify(rounded));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
