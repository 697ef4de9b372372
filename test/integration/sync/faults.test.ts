/**
 * Through a fault-injecting proxy (connection resets, 502s, 429 with Retry-After, a 20 s
 * stall, a response lost after the receiver applied the row), an idempotent receiver
 * ends with every row exactly once, in order per key.
 */
import { describe, expect, it } from 'vitest';
import { startTestGateway, syncTarget } from '../../helpers/gateway.js';
import { startReceiver } from '../../helpers/receiver.js';
import { startFaultProxy, type Fault } from '../../helpers/fault-proxy.js';
import { seedPlant, at, holdLot } from '../../helpers/plant.js';
import { voidHold } from '../../../src/containment/commands.js';

describe('sync through faults', () => {
  it('delivers every row exactly once in per-key order', { timeout: 90_000 }, async () => {
    const receiver = await startReceiver(() => ({ status: 200 }));
    const script: Fault[] = [
      'reset',
      'pass',
      '502',
      'lost',
      'pass',
      '429',
      'stall',
      'pass',
      'reset',
      'lost',
      '502',
      'pass',
      'lost',
      'pass',
    ];
    const proxy = await startFaultProxy(receiver.url, script, 20_000);
    const gw = await startTestGateway(
      {},
      {
        targets: [
          syncTarget({
            id: 'erp-rest',
            kind: 'rest',
            url: proxy.url,
            types: ['HOLD_LINE_PLACED', 'HOLD_LINE_VOIDED'],
            concurrency: 3,
            timeout_ms: 2000,
            retry: { base_ms: 50, max_ms: 300 },
            circuit: { failures: 100, open_ms: 100 },
          }),
        ],
      },
    );
    try {
      await gw.gateway.command(seedPlant);
      const actor = { type: 'user' as const, id: 'qe' };
      const lots = ['L1-A', 'L1-B', 'L2-A', 'REEL-C14'];
      for (let n = 0; n < 5; n++)
        for (const lot of lots) {
          const h = await gw.gateway.command((r) =>
            holdLot(r, lot, { at: at(n), reason: `check ${n}`, actor }),
          );
          if (n % 2 === 0)
            await gw.gateway.command((r) => voidHold(r, h.holdId, 'duplicate', actor, 'test', at(n + 1)));
        }
      const rows = gw.gateway.store.db
        .prepare(
          "SELECT seq, ordering_key AS key, idempotency_key AS idem FROM outbox WHERE type != 'NOTIFY' ORDER BY seq",
        )
        .all() as { seq: number; key: string; idem: string }[];
      await expect
        .poll(() => receiver.appliedOnce().length, { timeout: 30_000, interval: 100 })
        .toBe(rows.length);
      await expect.poll(() => gw.gateway.sync.status()[0]!.queued, { timeout: 10_000 }).toBe(0);
      // Let the stalled request arrive late, as a slow server's would, before judging.
      await new Promise((r) => setTimeout(r, 20_500));
      const once = receiver.appliedOnce();
      expect(once.map((r) => r.json.idempotencyKey).sort()).toEqual(rows.map((r) => r.idem).sort());
      for (const lot of lots) {
        const seqs = once.filter((r) => r.json.orderingKey === `lot:${lot}`).map((r) => r.json.seq);
        expect(seqs).toEqual(rows.filter((r) => r.key === `lot:${lot}`).map((r) => r.seq));
      }
      // The faults really happened, and some rows really reached the receiver twice.
      expect(new Set(proxy.seen)).toEqual(new Set(['reset', 'pass', '502', 'lost', '429', 'stall']));
      expect(receiver.applied().length).toBeGreaterThan(once.length);
      expect(gw.gateway.sync.status()[0]).toMatchObject({ queued: 0, exceptions: 0, acked: rows.length });
    } finally {
      await gw.stop();
      await proxy.close();
      await receiver.close();
    }
  });
});
