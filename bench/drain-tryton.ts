/**
 * Drain benchmark against a real Tryton 6.0 (SQLite backend, started here and stopped
 * after): a backlog of hold/release rows over many lots delivered as internal shipments,
 * batched, beside Tryton's own single-call round trip measured in the same run.
 */
import { join } from 'node:path';
import { openStore } from '../src/store/db.js';
import { createRepos } from '../src/containment/repos.js';
import { syncTargetSchema } from '../src/profiles/sync-schema.js';
import { tempDir } from '../test/helpers/gateway.js';
import { initTryton, seedProduct, startTryton, trytonAdmin } from '../test/helpers/tryton.js';
import { median } from './procs.js';
import { drainToEmpty } from './drain.js';

export const TRYTON_DRAIN = { lots: 200, rowsPerLot: 6, batch: 25, concurrency: 2, rttCalls: 50 };

export async function trytonDrainBench(): Promise<{
  rowsPerS: number;
  seconds: number;
  rttMs: number;
  rows: number;
}> {
  await initTryton();
  const peer = await startTryton();
  const tmp = tempDir('holdgate-bench-tryton-');
  const { db, storeId } = openStore({ path: join(tmp.dir, 'drain.db') });
  const { rpc, site } = await trytonAdmin(peer);
  try {
    const lots = Array.from({ length: TRYTON_DRAIN.lots }, (_, i) => ({ number: `BL${i}`, quantity: 1000 }));
    await seedProduct(rpc, site, 'BENCH-1', lots);
    // Tryton's own round trip: one read, sequential, as the drain's calls are.
    const rtt: number[] = [];
    for (let i = 0; i < TRYTON_DRAIN.rttCalls; i++) {
      const t = performance.now();
      await rpc.model('stock.location', 'read', [site.hold], ['name']);
      rtt.push(performance.now() - t);
    }
    const repos = createRepos(db, 'bench', storeId);
    process.env.HOLDGATE_BENCH_TRYTON_PASSWORD = 'admin';
    const target = syncTargetSchema.parse({
      id: 'tryton',
      kind: 'tryton',
      url: peer.url,
      database: peer.database,
      password: { env: 'HOLDGATE_BENCH_TRYTON_PASSWORD' },
      types: ['HOLD_LINE_PLACED', 'HOLD_LINE_RELEASED'],
      concurrency: TRYTON_DRAIN.concurrency,
      batch: { max_rows: TRYTON_DRAIN.batch },
      inbound: { enabled: false },
    });
    repos.outbox.targetsFor = () => ['tryton'];
    const at = new Date().toISOString();
    const rows = TRYTON_DRAIN.lots * TRYTON_DRAIN.rowsPerLot;
    db.transaction(() => {
      for (let i = 0; i < rows; i++) {
        const lot = `BL${i % TRYTON_DRAIN.lots}`;
        const hold = Math.floor(i / TRYTON_DRAIN.lots) % 2 === 0;
        repos.outbox.enqueue({
          orderingKey: `lot:${lot}`,
          type: hold ? 'HOLD_LINE_PLACED' : 'HOLD_LINE_RELEASED',
          payload: { holdId: `H-${i}`, lineId: i, lotId: lot, quantity: 10, uom: 'u', reason: 'bench' },
          at,
        });
      }
    })();
    const seconds = await drainToEmpty(db, repos, target);
    return { rowsPerS: rows / seconds, seconds, rttMs: median(rtt), rows };
  } finally {
    await rpc.close();
    db.close();
    await peer.stop();
    tmp.cleanup();
  }
}
