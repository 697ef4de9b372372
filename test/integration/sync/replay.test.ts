/** A backlog replayed after an outage is throttled and does not starve live rows. */
import { describe, expect, it } from 'vitest';
import { startTestGateway, syncTarget } from '../../helpers/gateway.js';
import { startReceiver } from '../../helpers/receiver.js';
import { freePort } from '../../helpers/mosquitto.js';
import { holdLot } from '../../helpers/plant.js';

describe('backlog replay', () => {
  it('sends a live row ahead of a throttled backlog', async () => {
    const port = await freePort();
    const gw = await startTestGateway(
      {},
      {
        targets: [
          syncTarget({
            id: 'erp',
            kind: 'rest',
            url: `http://127.0.0.1:${port}/tx`,
            types: ['HOLD_LINE_PLACED'],
            concurrency: 2,
            timeout_ms: 500,
            retry: { base_ms: 50, max_ms: 100 },
            circuit: { failures: 1000, open_ms: 100 },
            replay: { live_window_ms: 300, rows_per_s: 20 },
          }),
        ],
      },
    );
    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
    try {
      const actor = { type: 'user' as const, id: 'qe' };
      const hold = (lot: string) =>
        gw.gateway.command((r) => {
          r.material.upsertLot({ lot_id: lot, quantity: 1 });
          return holdLot(r, lot, { reason: 'check', actor });
        });
      // 100 rows on 100 keys pile up while the ERP is down, and age into a backlog.
      for (let i = 0; i < 100; i++) await hold(`B-${i}`);
      await new Promise((r) => setTimeout(r, 400));
      receiver = await startReceiver(() => ({ status: 200, delayMs: 20 }), port);
      await expect.poll(() => receiver!.applied().length, { timeout: 5000 }).toBeGreaterThan(3);
      const sent = Date.now();
      await hold('LIVE-1');
      await expect
        .poll(() => receiver!.applied().some((r) => r.json.orderingKey === 'lot:LIVE-1'), { timeout: 3000 })
        .toBe(true);
      const arrived = receiver.applied().find((r) => r.json.orderingKey === 'lot:LIVE-1')!;
      expect(arrived.at - sent).toBeLessThan(1500);
      // The backlog was still far from done: the live row did not wait behind it.
      expect(receiver.applied().filter((r) => r.json.orderingKey.startsWith('lot:B-')).length).toBeLessThan(
        80,
      );
    } finally {
      await gw.stop();
      await receiver?.close();
    }
  });
});
