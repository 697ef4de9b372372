/**
 * Against a real Tryton 6.0 started for this file: holds, releases, scraps and supplier
 * returns become stock documents between locations (from failing tests published over
 * MQTT too; stacked holds move stock once); an outage of 500 transactions drains
 * in order once Tryton is back, with Tryton's per-location quantities equal to Holdgate's
 * and one document per transaction; a move made directly in Tryton becomes a conflict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../../helpers/gateway.js';
import { client } from '../../helpers/api.js';
import {
  documentsByReference,
  lotStock,
  moveInTryton,
  seedProduct,
  useTryton,
} from '../../helpers/tryton.js';
import { voidHold } from '../../../src/containment/commands.js';
import { actor, dispose, now, trytonTarget } from '../../helpers/tryton-holds.js';
import { holdLot } from '../../helpers/plant.js';
import { TESTER_TOPIC, unitsTested } from '../../helpers/cfx.js';
import mqtt from 'mqtt';

const tryton = useTryton();
let gw: Awaited<ReturnType<typeof startTestGateway>>;

const queued = () =>
  gw.gateway.store.db
    .prepare(`SELECT count(*) AS n FROM sync_deliveries WHERE target = 'tryton' AND state != 'ACKED'`)
    .get() as { n: number };

beforeAll(async () => {
  gw = await startTestGateway({}, { targets: [trytonTarget(tryton.peer.url, tryton.peer.database)] });
});

afterAll(async () => {
  await gw?.stop();
});

describe('Tryton sync', () => {
  it('pulls products and lots, and moves held, released, scrapped and returned quantities between locations', async () => {
    const { lots } = await seedProduct(tryton.rpc, tryton.site, 'BRK-100', [
      { number: 'T1-A', quantity: 100 },
      { number: 'T1-B', quantity: 40 },
    ]);
    const report = await gw.gateway.sync.pull('tryton');
    expect(report.lots).toBeGreaterThanOrEqual(2);
    const local = await gw.gateway.command((r) => ({
      lot: r.material.lot('T1-A'),
      item: r.material.item('BRK-100'),
    }));
    expect(local.lot).toMatchObject({ item: 'BRK-100', quantity: 100 });
    expect(local.item).toMatchObject({ description: expect.stringContaining('BRK-100'), unit_cost: 4.2 });

    const a = await gw.gateway.command((r) => holdLot(r, 'T1-A'));
    const b = await gw.gateway.command((r) => holdLot(r, 'T1-B'));
    const stock = async () => lotStock(tryton.rpc, tryton.site, [lots.get('T1-A')!, lots.get('T1-B')!]);
    await expect
      .poll(async () => (await stock()).get(lots.get('T1-A')!), { timeout: 20_000 })
      .toMatchObject({
        storage: 0,
        hold: 100,
      });
    expect((await stock()).get(lots.get('T1-B')!)).toMatchObject({ storage: 0, hold: 40 });

    await gw.gateway.command((r) =>
      dispose(r, a, [
        ['RELEASE', 70],
        ['SCRAP', 20],
        ['RETURN_TO_SUPPLIER', 10],
      ]),
    );
    await gw.gateway.command((r) => voidHold(r, b.holdId, 'wrong lot', actor, 'test', now()));
    await expect.poll(() => queued().n, { timeout: 20_000 }).toBe(0);
    const after = await stock();
    expect(after.get(lots.get('T1-A')!)).toMatchObject({ storage: 70, hold: 0, scrap: 20, supplier: -90 });
    expect(after.get(lots.get('T1-B')!)).toMatchObject({ storage: 40, hold: 0 });
    // The ERP's acknowledgement completes scrap and return lines.
    const states = gw.gateway.store.db
      .prepare(
        `SELECT state, sum(quantity) AS q FROM hold_lines WHERE lot_id = 'T1-A' AND state != 'SPLIT' GROUP BY state`,
      )
      .all();
    expect(states).toEqual(
      expect.arrayContaining([
        { state: 'RELEASED', q: 70 },
        { state: 'SCRAPPED', q: 20 },
        { state: 'RETURNED', q: 10 },
      ]),
    );
  });

  it('moves stacked holds once: a second hold, a decision under another hold and the last void move only what changes', async () => {
    const { lots } = await seedProduct(tryton.rpc, tryton.site, 'BRK-150', [
      { number: 'ST-A', quantity: 100 },
    ]);
    await gw.gateway.sync.pull('tryton');
    const id = lots.get('ST-A')!;
    const stock = async () => (await lotStock(tryton.rpc, tryton.site, [id])).get(id);
    const settled = () => expect.poll(() => queued().n, { timeout: 20_000 }).toBe(0);

    const a = await gw.gateway.command((r) => holdLot(r, 'ST-A'));
    const b = await gw.gateway.command((r) => holdLot(r, 'ST-A', { reason: 'supplier complaint' }));
    await settled();
    expect(await stock()).toMatchObject({ storage: 0, hold: 100 });
    // Hold A decided: 60 released, but hold B still holds them; 40 scrapped leave for good.
    await gw.gateway.command((r) =>
      dispose(r, a, [
        ['RELEASE', 60],
        ['SCRAP', 40],
      ]),
    );
    await settled();
    expect(await stock()).toMatchObject({ storage: 0, hold: 60, scrap: 40 });
    expect(await gw.gateway.command((r) => r.material.lot('ST-A')?.quantity)).toBe(60);
    // The last hold goes: what is left returns to storage.
    await gw.gateway.command((r) => voidHold(r, b.holdId, 'duplicate complaint', actor, 'test', now()));
    await settled();
    expect(await stock()).toMatchObject({ storage: 60, hold: 0, scrap: 40 });
    const payloads = gw.gateway.store.db
      .prepare(
        `SELECT type, json_extract(payload, '$.lotHeld.before') AS before, json_extract(payload, '$.lotHeld.after') AS after
         FROM outbox WHERE ordering_key = 'lot:ST-A' AND type != 'NOTIFY' ORDER BY seq`,
      )
      .all();
    expect(payloads).toEqual([
      { type: 'HOLD_LINE_PLACED', before: 0, after: 100 },
      { type: 'HOLD_LINE_PLACED', before: 100, after: 100 },
      { type: 'HOLD_LINE_RELEASED', before: 100, after: 100 },
      { type: 'SCRAP', before: 100, after: 60 },
      { type: 'HOLD_LINE_VOIDED', before: 60, after: 0 },
    ]);
    // The ledger of acknowledged rows equals Tryton: the pull finds no difference.
    expect((await gw.gateway.sync.pull('tryton')).open).toBe(0);
  });

  it('holds a lot in Tryton from a failing test published over MQTT; a stacked hold and a second failure move nothing more', async () => {
    const { lots } = await seedProduct(tryton.rpc, tryton.site, 'BRK-160', [
      { number: 'MQ-1', quantity: 25 },
    ]);
    await gw.gateway.sync.pull('tryton');
    const serials = ['SN-MQ-1', 'SN-MQ-2'];
    await gw.gateway.command((r) => {
      for (const sn of serials) r.material.seeUnit(sn, 'BRK-160', 'MQ-1', now(), 'L1', 'PLANT-1');
    });
    const tester = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'fct-tryton', reconnectPeriod: 0 });
    await tester.publishAsync(TESTER_TOPIC, JSON.stringify(unitsTested(serials[0]!, 'Failed')), { qos: 1 });
    // The PUBACK followed the commit of the event and the rule's LOT hold; a person stacks
    // an investigation on the same lot; the next failing board joins the rule's hold.
    await gw.gateway.command((r) => holdLot(r, 'MQ-1', { reason: 'customer complaint' }));
    await tester.publishAsync(TESTER_TOPIC, JSON.stringify(unitsTested(serials[1]!, 'Failed')), { qos: 1 });
    await tester.endAsync();
    expect(await gw.gateway.command((r) => r.holds.coveringLot('MQ-1').length)).toBe(2);
    expect(gw.gateway.interlocks.check({ lot: 'MQ-1' }, 'ship').allowed).toBe(false);
    await expect.poll(() => queued().n, { timeout: 20_000 }).toBe(0);
    const id = lots.get('MQ-1')!;
    expect((await lotStock(tryton.rpc, tryton.site, [id])).get(id)).toMatchObject({ storage: 0, hold: 25 });
    const keys = gw.gateway.store.db
      .prepare(
        `SELECT idempotency_key AS key FROM outbox WHERE ordering_key = 'lot:MQ-1' AND type = 'HOLD_LINE_PLACED'`,
      )
      .all() as { key: string }[];
    const docs = await documentsByReference(tryton.rpc, 'stock.shipment.internal');
    expect(keys.map((k) => docs.get(k.key) ?? 0)).toEqual([1, 0]); // the rule's hold, the stacked one
  });

  it('drains 500 transactions made while Tryton was down, in order, once each, to equal quantities', async () => {
    const full = Array.from({ length: 100 }, (_, i) => `OUT-F${i}`);
    const holdOnly = Array.from({ length: 50 }, (_, i) => `OUT-H${i}`);
    const voided = Array.from({ length: 25 }, (_, i) => `OUT-V${i}`);
    const all = [...full, ...holdOnly, ...voided];
    const { lots } = await seedProduct(
      tryton.rpc,
      tryton.site,
      'BRK-200',
      all.map((number) => ({ number, quantity: 100 })),
    );
    await gw.gateway.sync.pull('tryton');
    const before = Number(
      (
        gw.gateway.store.db
          .prepare(`SELECT count(*) AS n FROM sync_deliveries WHERE target = 'tryton'`)
          .get() as {
          n: number;
        }
      ).n,
    );

    await tryton.peer.stop();
    // 100 × (hold, release 70, scrap 20, return 10) + 50 holds + 25 × (hold, void) = 500 rows.
    await gw.gateway.command((r) => {
      for (const lot of full)
        dispose(r, holdLot(r, lot), [
          ['RELEASE', 70],
          ['SCRAP', 20],
          ['RETURN_TO_SUPPLIER', 10],
        ]);
      for (const lot of holdOnly) holdLot(r, lot);
      for (const lot of voided) voidHold(r, holdLot(r, lot).holdId, 'entered twice', actor, 'test', now());
    });
    const rows = () =>
      gw.gateway.store.db
        .prepare(
          `SELECT count(*) AS n, sum(attempts) AS tries FROM sync_deliveries WHERE target = 'tryton' AND state = 'QUEUED'`,
        )
        .get() as { n: number; tries: number };
    expect(rows().n).toBe(500);
    expect(
      Number(
        (
          gw.gateway.store.db
            .prepare(`SELECT count(*) AS n FROM sync_deliveries WHERE target = 'tryton'`)
            .get() as { n: number }
        ).n,
      ) - before,
    ).toBe(500);
    // The worker really tried against the stopped ERP before it came back.
    await expect.poll(() => rows().tries, { timeout: 10_000 }).toBeGreaterThan(0);

    await tryton.peer.start();
    await expect.poll(() => queued().n, { timeout: 180_000, interval: 500 }).toBe(0);

    // No exceptions, and per ordering key the acknowledgements follow the outbox sequence.
    const dead = gw.gateway.store.db
      .prepare(`SELECT count(*) AS n FROM sync_deliveries WHERE state = 'DEAD'`)
      .get();
    expect(dead).toEqual({ n: 0 });
    const acks = gw.gateway.store.db
      .prepare(
        `SELECT ordering_key AS k, seq, acked_at AS at FROM sync_deliveries WHERE target = 'tryton' ORDER BY ordering_key, seq`,
      )
      .all() as { k: string; seq: number; at: string }[];
    for (let i = 1; i < acks.length; i++)
      if (acks[i]!.k === acks[i - 1]!.k) expect(acks[i]!.at >= acks[i - 1]!.at).toBe(true);

    // One done document per outbox key (a retry searched by reference before creating).
    const keys = gw.gateway.store.db
      .prepare(
        `SELECT o.idempotency_key AS key FROM outbox o JOIN sync_deliveries d ON d.seq = o.seq
         WHERE d.target = 'tryton' AND o.ordering_key LIKE 'lot:OUT-%' ORDER BY o.seq`,
      )
      .all() as { key: string }[];
    expect(keys).toHaveLength(500);
    const internal = await documentsByReference(tryton.rpc, 'stock.shipment.internal');
    const returns = await documentsByReference(tryton.rpc, 'stock.shipment.in.return');
    for (const k of keys) expect((internal.get(k.key) ?? 0) + (returns.get(k.key) ?? 0), k.key).toBe(1);

    // Tryton's stock per location equals what Holdgate's lines say.
    const stock = await lotStock(tryton.rpc, tryton.site, [...lots.values()]);
    for (const lot of full)
      expect(stock.get(lots.get(lot)!)).toEqual({ storage: 70, hold: 0, scrap: 20, supplier: -90 });
    for (const lot of holdOnly)
      expect(stock.get(lots.get(lot)!)).toEqual({ storage: 0, hold: 100, scrap: 0, supplier: -100 });
    for (const lot of voided)
      expect(stock.get(lots.get(lot)!)).toEqual({ storage: 100, hold: 0, scrap: 0, supplier: -100 });
    const held = gw.gateway.store.db
      .prepare(
        `SELECT lot_id AS lot, sum(quantity) AS q FROM hold_lines WHERE lot_id LIKE 'OUT-%' AND state = 'HELD' GROUP BY lot_id`,
      )
      .all() as { lot: string; q: number }[];
    expect(held).toHaveLength(holdOnly.length);
    for (const h of held) expect(stock.get(lots.get(h.lot)!)!.hold).toBe(h.q);

    // The reconciliation agrees: nothing differs.
    const report = await gw.gateway.sync.pull('tryton');
    expect(report.open).toBe(0);
  }, 240_000);

  it('turns a move made directly in Tryton into a conflict a person accepts, or that clears', async () => {
    const { product, lots } = await seedProduct(tryton.rpc, tryton.site, 'BRK-300', [
      { number: 'C-1', quantity: 50 },
      { number: 'C-2', quantity: 50 },
    ]);
    await gw.gateway.sync.pull('tryton');
    await gw.gateway.command((r) => {
      holdLot(r, 'C-1');
      holdLot(r, 'C-2');
    });
    await expect.poll(() => queued().n, { timeout: 20_000 }).toBe(0);

    // Someone in the ERP takes 5 out of the hold location of each lot.
    const { site, rpc } = tryton;
    await moveInTryton(rpc, site, product, lots.get('C-1')!, 5, site.hold, site.storage);
    await moveInTryton(rpc, site, product, lots.get('C-2')!, 5, site.hold, site.storage);
    const api = client(gw.gateway);
    await api.post('/api/v1/sync/targets/tryton/pull', {});
    const open = await api.get('/api/v1/sync/conflicts?state=OPEN');
    expect(open.statusCode, open.body).toBe(200);
    const mine = open
      .json<{ conflicts: { id: number; lot_id: string; expected: number; found: number }[] }>()
      .conflicts.filter((c) => c.lot_id.startsWith('C-'))
      .sort((x, y) => x.lot_id.localeCompare(y.lot_id));
    expect(mine).toMatchObject([
      { lot_id: 'C-1', expected: 50, found: 45 },
      { lot_id: 'C-2', expected: 50, found: 45 },
    ]);
    // Audited, counted, and the holds themselves are untouched (Holdgate still blocks 50).
    const audit = gw.gateway.store.db
      .prepare(`SELECT count(*) AS n FROM audit_log WHERE action = 'ERP_CONFLICT'`)
      .get();
    expect(audit).toEqual({ n: 2 });
    expect(await gw.gateway.metrics.registry.metrics()).toMatch(
      /holdgate_erp_conflicts_total\{target="tryton"\} 2/,
    );
    expect(gw.gateway.interlocks.check({ lot: 'C-1' }, 'ship')).toMatchObject({ code: 'BLOCKED' });

    // C-1: the ERP user puts it back → the conflict clears on the next pull.
    await moveInTryton(rpc, site, product, lots.get('C-1')!, 5, site.storage, site.hold);
    // C-2: the quality engineer accepts the ERP's figure → baseline 45, no new conflict.
    const accepted = await api.post(`/api/v1/sync/conflicts/${mine[1]!.id}/accept`, {
      reason: 'counted 45 on the shelf',
    });
    expect(accepted.statusCode).toBe(200);
    const report = await gw.gateway.sync.pull('tryton');
    expect(report.raised).toBe(0);
    const final = gw.gateway.store.db
      .prepare(`SELECT lot_id, state, adjustment FROM erp_conflicts WHERE lot_id LIKE 'C-%' ORDER BY lot_id`)
      .all();
    expect(final).toEqual([
      { lot_id: 'C-1', state: 'CLEARED', adjustment: 0 },
      { lot_id: 'C-2', state: 'ACCEPTED', adjustment: -5 },
    ]);
  });

  it('sends a document Tryton refuses (stock not there, lot unknown) to the exception queue, blocking only its lot', async () => {
    const { product, lots } = await seedProduct(tryton.rpc, tryton.site, 'BRK-400', [
      { number: 'R-1', quantity: 100 },
      { number: 'R-2', quantity: 100 },
    ]);
    await gw.gateway.sync.pull('tryton');
    // Someone consumed 30 of R-1 in the ERP since the last pull: Holdgate still thinks 100.
    const { rpc, site } = tryton;
    await moveInTryton(rpc, site, product, lots.get('R-1')!, 30, site.storage, site.scrap);
    await gw.gateway.command((r) => {
      r.material.upsertLot({ lot_id: 'R-LOCAL', item: 'BRK-400', quantity: 5 });
      holdLot(r, 'R-1');
      holdLot(r, 'R-2');
      holdLot(r, 'R-LOCAL');
    });
    const api = client(gw.gateway);
    const exceptions = async () =>
      (await api.get('/api/v1/sync/exceptions')).json<{
        exceptions: { target: string; seq: number; lastError: string; orderingKey: string }[];
      }>().exceptions;
    await expect.poll(async () => (await exceptions()).length, { timeout: 20_000 }).toBe(2);
    const [overdraw, unknown] = (await exceptions()).sort((a, b) => a.seq - b.seq);
    expect(overdraw!.lastError).toMatch(/not enough stock .*70 there/);
    expect(unknown!.lastError).toMatch(/lot R-LOCAL is not known in Tryton/);
    // R-2 went through; R-1 is untouched in Tryton (the refused shipment was cancelled).
    const stock = await lotStock(rpc, site, [lots.get('R-1')!, lots.get('R-2')!]);
    expect(stock.get(lots.get('R-2')!)).toMatchObject({ storage: 0, hold: 100 });
    expect(stock.get(lots.get('R-1')!)).toMatchObject({ storage: 70, hold: 0 });
    // The quality engineer holds what is really there in the ERP: edit and retry.
    const seq = overdraw!.seq;
    const row = gw.gateway.store.db.prepare('SELECT payload FROM outbox WHERE seq = ?').get(seq) as {
      payload: string;
    };
    // A hold row moves the change of the lot's held quantity (lotHeld), so that is what to edit.
    const edited = { ...(JSON.parse(row.payload) as object), lotHeld: { before: 0, after: 70 } };
    const retried = await api.post(`/api/v1/sync/exceptions/tryton/${seq}/retry`, { payload: edited });
    expect(retried.statusCode).toBe(200);
    await expect
      .poll(async () => (await lotStock(rpc, site, [lots.get('R-1')!])).get(lots.get('R-1')!), {
        timeout: 20_000,
      })
      .toMatchObject({ storage: 0, hold: 70 });
  });
});
