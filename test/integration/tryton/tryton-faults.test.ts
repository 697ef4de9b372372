/**
 * The Tryton sync through the fault-injecting proxy: connection resets, 502s, 429s with
 * Retry-After, a forgotten session (401 → log in again), answers lost after Tryton applied
 * the call, and calls stalled past the client's timeout that reach Tryton late. Every
 * transaction must still end as exactly one done document, with equal quantities.
 */
import { expect, it } from 'vitest';
import { startTestGateway } from '../../helpers/gateway.js';
import { startFaultProxy, type Fault } from '../../helpers/fault-proxy.js';
import { documentsByReference, lotStock, seedProduct, useTryton } from '../../helpers/tryton.js';
import { dispose, trytonTarget } from '../../helpers/tryton-holds.js';
import { holdLot } from '../../helpers/plant.js';

const tryton = useTryton();

it('posts every transaction exactly once through resets, 502, 429, 401, lost answers and late calls', async () => {
  const cycle: Fault[] = [
    'reset',
    'pass',
    '502',
    'pass',
    'lost',
    'pass',
    'pass',
    '429',
    'pass',
    '401',
    'pass',
    'stall',
    'pass',
    'pass',
  ];
  // The first calls pass: the start-up pull reads master data in ~12 calls and fails whole on any fault.
  const script = [
    ...Array.from({ length: 20 }, (): Fault => 'pass'),
    ...Array.from({ length: 12 }, () => cycle).flat(),
  ];
  const proxy = await startFaultProxy(tryton.peer.url, script, 3_000);
  const gw = await startTestGateway(
    {},
    {
      targets: [
        trytonTarget(proxy.url, tryton.peer.database, { timeout_ms: 2_000, batch: { max_rows: 25 } }),
      ],
    },
  );
  try {
    const cycled = Array.from({ length: 125 }, (_, i) => `F-C${i}`);
    const heldOnly = Array.from({ length: 125 }, (_, i) => `F-H${i}`);
    const { lots } = await seedProduct(
      tryton.rpc,
      tryton.site,
      'BRK-900',
      [...cycled, ...heldOnly].map((number) => ({ number, quantity: 100 })),
    );
    await expect
      .poll(() => gw.gateway.sync.pull('tryton').then((r) => r.lots), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(250);
    // 125 × (hold, release 60, scrap 40) + 125 holds = 500 transactions, as in the outage test.
    await gw.gateway.command((r) => {
      for (const lot of cycled)
        dispose(r, holdLot(r, lot), [
          ['RELEASE', 60],
          ['SCRAP', 40],
        ]);
      for (const lot of heldOnly) holdLot(r, lot);
    });
    const open = () =>
      (
        gw.gateway.store.db
          .prepare(`SELECT count(*) AS n FROM sync_deliveries WHERE state != 'ACKED'`)
          .get() as { n: number }
      ).n;
    await expect.poll(open, { timeout: 180_000, interval: 500 }).toBe(0);

    expect(new Set(proxy.seen)).toEqual(new Set(['reset', 'pass', '502', 'lost', '429', '401', 'stall']));
    const keys = gw.gateway.store.db
      .prepare(`SELECT o.idempotency_key AS key FROM outbox o JOIN sync_deliveries d ON d.seq = o.seq`)
      .all() as { key: string }[];
    expect(keys).toHaveLength(500);
    const done = await documentsByReference(tryton.rpc, 'stock.shipment.internal');
    for (const k of keys) expect(done.get(k.key), k.key).toBe(1);
    const stock = await lotStock(tryton.rpc, tryton.site, [...lots.values()]);
    for (const lot of cycled)
      expect(stock.get(lots.get(lot)!)).toMatchObject({ storage: 60, hold: 0, scrap: 40 });
    for (const lot of heldOnly)
      expect(stock.get(lots.get(lot)!)).toMatchObject({ storage: 0, hold: 100, scrap: 0 });
    // Let the stalled calls land, then reconcile: late drafts moved nothing, nothing differs.
    await new Promise((r) => setTimeout(r, 3_500));
    await expect
      .poll(
        () =>
          gw.gateway.sync.pull('tryton').then(
            (r) => r.open,
            () => -1,
          ),
        { timeout: 30_000 },
      )
      .toBe(0);
  } finally {
    await gw.stop();
    await proxy.close();
  }
}, 300_000);
