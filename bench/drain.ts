/**
 * Drain benchmark: a 100k-row outbox backlog (1,000 lots × 100 rows) delivered by the
 * sync worker to a local HTTP receiver in its own process, unbatched and batched.
 */
import { join } from 'node:path';
import { openStore, type Db } from '../src/store/db.js';
import { createRepos, type Repos } from '../src/containment/repos.js';
import { GroupCommitWriter } from '../src/store/group-commit.js';
import { SyncService } from '../src/sync/service.js';
import { Metrics } from '../src/metrics.js';
import { silentLogger } from '../src/log.js';
import { syncTargetSchema, type SyncTarget } from '../src/profiles/sync-schema.js';
import { tempDir } from '../test/helpers/gateway.js';
import { spawnScript } from './procs.js';

export const DRAIN = { rows: 100_000, keys: 1000 };

/** Runs one target's worker over a queued backlog until it is empty; seconds taken. */
export async function drainToEmpty(db: Db, repos: Repos, target: SyncTarget): Promise<number> {
  const writer = new GroupCommitWriter({ db, windowMs: 0, maxBatch: 2000 });
  const sync = new SyncService(
    [target],
    repos,
    writer,
    new Metrics({ processMetrics: false }),
    silentLogger(),
  );
  const started = performance.now();
  sync.start();
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const s = sync.status()[0]!;
      if (s.exceptions > 0) throw new Error(`${s.exceptions} rows went to the exception queue`);
      if (s.queued === 0) break;
      if (performance.now() - started > 300_000) throw new Error(`drain did not finish: ${s.queued} left`);
    }
  } finally {
    // Workers stop before the store closes, whatever happened.
    await sync.stop();
    await writer.close();
  }
  return (performance.now() - started) / 1000;
}

export async function drainBench(
  batchRows: number,
  concurrency: number,
): Promise<{ rowsPerS: number; seconds: number }> {
  const tmp = tempDir('holdgate-bench-drain-');
  const receiver = spawnScript('receiver.ts', []);
  const { db, storeId } = openStore({ path: join(tmp.dir, 'drain.db') });
  try {
    const { port } = JSON.parse(await receiver.line((l) => l.startsWith('{'))) as { port: number };
    const repos = createRepos(db, 'bench', storeId);
    const target = syncTargetSchema.parse({
      id: 'bench',
      kind: 'rest',
      url: `http://127.0.0.1:${port}/tx`,
      types: ['HOLD_LINE_PLACED'],
      concurrency,
      batch: { max_rows: batchRows },
    });
    repos.outbox.targetsFor = () => ['bench'];
    const at = new Date().toISOString();
    db.transaction(() => {
      for (let i = 0; i < DRAIN.rows; i++)
        repos.outbox.enqueue({
          orderingKey: `lot:L${i % DRAIN.keys}`,
          type: 'HOLD_LINE_PLACED',
          payload: {
            holdId: `H-${i}`,
            lineId: i,
            lotId: `L${i % DRAIN.keys}`,
            quantity: 10,
            uom: 'EA',
            reason: 'bench',
          },
          at,
        });
    })();
    const seconds = await drainToEmpty(db, repos, target);
    return { rowsPerS: DRAIN.rows / seconds, seconds };
  } finally {
    db.close();
    await receiver.stop();
    tmp.cleanup();
  }
}
