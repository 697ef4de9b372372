/**
 * kill -9 while the sync worker drains: after a restart every row reaches the (idempotent)
 * receiver, none is applied twice, per-key order holds — and two targets each get their
 * own types.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import Database from 'better-sqlite3';
import { tempDir } from '../helpers/gateway.js';
import { HOLDGATE_BIN, signal, spawnDaemon, writeDaemonConfig, type Daemon } from '../helpers/daemon.js';
import { startReceiver } from '../helpers/receiver.js';

const daemons: Daemon[] = [];
afterAll(() => daemons.forEach((d) => signal(d, 'SIGKILL')));

describe('sync across kill -9', () => {
  it(
    'delivers every row exactly once, in per-key order, to each target that takes it',
    { timeout: 120_000 },
    async () => {
      const tmp = tempDir();
      const erp = await startReceiver(() => ({ status: 200, delayMs: 5 }));
      const wms = await startReceiver(() => ({ status: 200 }));
      const syncDir = join(tmp.dir, 'sync');
      mkdirSync(syncDir);
      writeFileSync(
        join(syncDir, 'erp.yaml'),
        stringify({
          id: 'erp',
          kind: 'rest',
          url: erp.url,
          types: ['HOLD_LINE_PLACED', 'HOLD_LINE_VOIDED'],
          concurrency: 4,
        }),
      );
      writeFileSync(
        join(syncDir, 'wms.yaml'),
        stringify({ id: 'wms', kind: 'rest', url: wms.url, types: ['HOLD_LINE_VOIDED'] }),
      );
      const config = writeDaemonConfig(tmp.dir, {
        profiles: { devices_dir: join(import.meta.dirname, '..', '..', 'devices'), sync_dir: syncDir },
      });
      const start = () => {
        const d = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', config]);
        daemons.push(d);
        return d;
      };
      try {
        const first = start();
        const base = `http://127.0.0.1:${(await first.ready).httpPort}`;
        const post = (path: string, body: unknown) =>
          fetch(`${base}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
        await post('/api/v1/imports/items', [{ part_number: 'P-1' }]);
        await post(
          '/api/v1/imports/lots',
          Array.from({ length: 8 }, (_, i) => ({ lot_id: `K-${i}`, item: 'P-1', quantity: 5 })),
        );
        for (let n = 0; n < 15; n++)
          for (let k = 0; k < 8; k++) {
            const h = (await (
              await post('/api/v1/holds', { type: 'QUALITY', reason: `round ${n}`, lots: [`K-${k}`] })
            ).json()) as { holdId: string };
            if (n % 3 === 0) await post(`/api/v1/holds/${h.holdId}/void`, { reason: 'placed twice' });
          }
        await expect.poll(() => erp.received.length, { timeout: 20_000, interval: 5 }).toBeGreaterThan(20);
        signal(first, 'SIGKILL');
        await first.exited;

        const db = new Database(join(tmp.dir, 'holdgate.db'), { readonly: true });
        const rows = db
          .prepare(
            "SELECT seq, ordering_key AS key, type, idempotency_key AS idem FROM outbox WHERE type != 'NOTIFY' ORDER BY seq",
          )
          .all() as { seq: number; key: string; type: string; idem: string }[];
        db.close();
        expect(erp.appliedOnce().length).toBeLessThan(rows.length);

        const second = start();
        await second.ready;
        await expect.poll(() => erp.appliedOnce().length, { timeout: 30_000 }).toBe(rows.length);
        const voids = rows.filter((r) => r.type === 'HOLD_LINE_VOIDED');
        await expect.poll(() => wms.appliedOnce().length, { timeout: 30_000 }).toBe(voids.length);
        expect(
          erp
            .appliedOnce()
            .map((r) => r.json.idempotencyKey)
            .sort(),
        ).toEqual(rows.map((r) => r.idem).sort());
        expect(wms.appliedOnce().map((r) => r.json.type)).toEqual(voids.map(() => 'HOLD_LINE_VOIDED'));
        for (let k = 0; k < 8; k++) {
          const seqs = erp
            .appliedOnce()
            .filter((r) => r.json.orderingKey === `lot:K-${k}`)
            .map((r) => r.json.seq);
          expect(seqs).toEqual(rows.filter((r) => r.key === `lot:K-${k}`).map((r) => r.seq));
        }
        signal(second, 'SIGTERM');
        expect((await second.exited).code).toBe(0);
      } finally {
        await erp.close();
        await wms.close();
        tmp.cleanup();
      }
    },
  );
});
