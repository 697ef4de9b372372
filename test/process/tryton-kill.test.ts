/**
 * kill -9 while the daemon posts to a real Tryton: documents Tryton finished whose
 * acknowledgement died with the process, and documents left half-way through their
 * workflow, must end as exactly one done document per transaction after the restart,
 * with Tryton's per-lot quantities equal to Holdgate's.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import Database from 'better-sqlite3';
import { REPO, tempDir } from '../helpers/gateway.js';
import { HOLDGATE_BIN, signal, spawnDaemon, writeDaemonConfig, type Daemon } from '../helpers/daemon.js';
import { documentsByReference, lotStock, seedProduct, useTryton } from '../helpers/tryton.js';
import { trytonTargetSpec } from '../helpers/tryton-holds.js';

const tryton = useTryton();
const daemons: Daemon[] = [];
afterAll(() => daemons.forEach((d) => signal(d, 'SIGKILL')));

it('posts every transaction exactly once across a kill -9 mid-drain', { timeout: 240_000 }, async () => {
  const tmp = tempDir();
  try {
    const lotNumbers = Array.from({ length: 40 }, (_, i) => `K9-${i}`);
    const { lots } = await seedProduct(
      tryton.rpc,
      tryton.site,
      'KIL-100',
      lotNumbers.map((number) => ({ number, quantity: 50 })),
    );
    const syncDir = join(tmp.dir, 'sync');
    mkdirSync(syncDir);
    writeFileSync(
      join(syncDir, 'tryton.yaml'),
      stringify(trytonTargetSpec(tryton.peer.url, tryton.peer.database, { batch: { max_rows: 5 } })),
    );
    const config = writeDaemonConfig(tmp.dir, {
      profiles: { devices_dir: join(REPO, 'devices'), sync_dir: syncDir },
    });
    const start = () => {
      const d = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', config]);
      daemons.push(d);
      return d;
    };
    const first = start();
    const base = `http://127.0.0.1:${(await first.ready).httpPort}`;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status, `${path}: ${await res.clone().text()}`).toBeLessThan(300);
      return (await res.json()) as Record<string, unknown>;
    };
    // The start-up pull brings the lots and their quantities from Tryton.
    await expect
      .poll(async () => ((await post('/api/v1/sync/targets/tryton/pull', {})) as { lots: number }).lots, {
        timeout: 30_000,
      })
      .toBeGreaterThanOrEqual(40);
    // Per lot: a hold, a second hold stacked on it and voided again (neither moves stock in
    // Tryton: the material is held already), and for every other lot the first hold voided
    // too (back to storage). 140 transactions, 60 of them documents, ordered per lot.
    const hold = async (lot: string, type: string) =>
      ((await post('/api/v1/holds', { type, reason: type, lots: [lot] })) as { holdId: string }).holdId;
    const voidHold = (id: string) => post(`/api/v1/holds/${id}/void`, { reason: 'placed in error' });
    for (const [i, lot] of lotNumbers.entries()) {
      const first = await hold(lot, 'QUALITY');
      await voidHold(await hold(lot, 'SUPPLIER'));
      if (i % 2 === 1) await voidHold(first);
    }
    const done = () => documentsByReference(tryton.rpc, 'stock.shipment.internal');
    await expect
      .poll(async () => (await done()).size, { timeout: 60_000, interval: 100 })
      .toBeGreaterThan(15);
    signal(first, 'SIGKILL');
    await first.exited;

    const store = join(tmp.dir, 'holdgate.db');
    const keys = () => {
      const db = new Database(store, { readonly: true });
      try {
        return db
          .prepare(
            `SELECT o.idempotency_key AS key, d.state,
               json_extract(o.payload, '$.lotHeld.after') - json_extract(o.payload, '$.lotHeld.before') AS moves
             FROM outbox o JOIN sync_deliveries d ON d.seq = o.seq WHERE d.target = 'tryton'`,
          )
          .all() as { key: string; state: string; moves: number }[];
      } finally {
        db.close();
      }
    };
    const before = keys();
    expect(before).toHaveLength(140);
    expect(before.filter((k) => k.moves !== 0)).toHaveLength(60);
    expect(before.filter((k) => k.state !== 'ACKED').length).toBeGreaterThan(0);

    const second = start();
    await second.ready;
    await expect
      .poll(() => keys().filter((k) => k.state !== 'ACKED').length, { timeout: 120_000, interval: 500 })
      .toBe(0);
    const docs = await done();
    for (const k of keys()) expect(docs.get(k.key), k.key).toBe(k.moves === 0 ? undefined : 1);
    expect(docs.size).toBe(60);
    const stock = await lotStock(tryton.rpc, tryton.site, [...lots.values()]);
    for (const [i, lot] of lotNumbers.entries())
      expect(stock.get(lots.get(lot)!), lot).toMatchObject(
        i % 2 === 1 ? { storage: 50, hold: 0, scrap: 0 } : { storage: 0, hold: 50, scrap: 0 },
      );
    signal(second, 'SIGTERM');
    expect((await second.exited).code).toBe(0);
  } finally {
    tmp.cleanup();
  }
});
