/** Stacked holds, voiding, splitting and interlock answers through the real store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../../helpers/gateway.js';
import { seedPlant, at } from '../../helpers/plant.js';
import { placeManualHold, splitLine, voidHold } from '../../../src/containment/commands.js';
import type { Actor } from '../../../src/holds/types.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;
const qe: Actor = { type: 'user', id: 'qe.anna' };

describe('holds and interlocks', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
    await gw.gateway.command(seedPlant);
  });
  afterAll(() => gw.stop());

  const hold = (
    type: 'QUALITY' | 'CUSTOMER' | 'INVESTIGATION',
    lots: string[],
    serials: string[] = [],
    kind: 'LOT' | 'SERIAL' = 'LOT',
  ) =>
    gw.gateway.command((r) =>
      placeManualHold(r, {
        type,
        reason: `${type} check`,
        scope: { kind },
        trigger: { serials, lots, at: at(60) },
        actor: qe,
        source: 'test',
        at: at(60),
      }),
    );
  const check = (
    subject: { serial: string } | { lot: string },
    op: 'ship' | 'consume' | 'transfer' = 'ship',
  ) => gw.gateway.interlocks.check(subject, op);

  it('stacks holds: voiding one leaves the other blocking', async () => {
    const a = await hold('QUALITY', ['L2-A']);
    const b = await hold('INVESTIGATION', ['L2-A']);
    let answer = check({ serial: 'SN-022' });
    expect(answer).toMatchObject({ allowed: false, code: 'BLOCKED', known: true });
    expect(answer.blocking.map((x) => x.holdId).sort()).toEqual([a.holdId, b.holdId].sort());
    expect(answer.reason).toMatch(/ship blocked by 2 holds/);

    await gw.gateway.command((r) =>
      voidHold(r, a.holdId, 'entered against the wrong lot', qe, 'test', at(61)),
    );
    answer = check({ serial: 'SN-022' });
    expect(answer.allowed).toBe(false);
    expect(answer.blocking.map((x) => x.holdId)).toEqual([b.holdId]);
    expect(answer.blocking[0]).toMatchObject({ holdType: 'INVESTIGATION', via: 'lot', lotId: 'L2-A' });

    await gw.gateway.command((r) =>
      voidHold(r, b.holdId, 'investigation closed as error', qe, 'test', at(62)),
    );
    expect(check({ serial: 'SN-022' })).toMatchObject({ allowed: true, code: 'ALLOWED' });
    await expect(
      gw.gateway.command((r) => voidHold(r, b.holdId, 'again', qe, 'test', at(63))),
    ).rejects.toMatchObject({
      code: 'HG_HOLD_NOT_ACTIVE',
    });
  });

  it("counts a lot's held quantity once under stacked holds, and every row says how it changed", async () => {
    await gw.gateway.command((r) => {
      r.material.upsertLot({ lot_id: 'HQ-1', item: 'PCBA-7731', quantity: 10 });
      for (const n of [1, 2, 3]) r.material.seeUnit(`HQ-S${n}`, 'PCBA-7731', 'HQ-1', at(1), 'L1', 'PLANT-1');
    });
    const held = () => gw.gateway.command((r) => r.holds.heldQuantity('HQ-1'));
    await hold('QUALITY', [], ['HQ-S1', 'HQ-S2'], 'SERIAL');
    expect(await held()).toBe(2);
    await hold('INVESTIGATION', [], ['HQ-S2', 'HQ-S3'], 'SERIAL');
    expect(await held()).toBe(3); // HQ-S2 is held twice, counted once
    const lotHolds = [await hold('QUALITY', ['HQ-1']), await hold('CUSTOMER', ['HQ-1'])];
    expect(await held()).toBe(10); // never more than the lot has
    for (const h of lotHolds)
      await gw.gateway.command((r) => voidHold(r, h.holdId, 'entered twice', qe, 'test', at(61)));
    expect(await held()).toBe(3);
    const rows = gw.gateway.store.db
      .prepare(
        `SELECT type, json_extract(payload, '$.lotHeld') AS h FROM outbox WHERE ordering_key = 'lot:HQ-1' ORDER BY seq`,
      )
      .all()
      .map((x) => {
        const row = x as { type: string; h: string };
        return [row.type, JSON.parse(row.h)];
      });
    expect(rows).toEqual([
      ['HOLD_LINE_PLACED', { before: 0, after: 2 }],
      ['HOLD_LINE_PLACED', { before: 2, after: 3 }],
      ['HOLD_LINE_PLACED', { before: 3, after: 10 }],
      ['HOLD_LINE_PLACED', { before: 10, after: 10 }],
      ['HOLD_LINE_VOIDED', { before: 10, after: 10 }],
      ['HOLD_LINE_VOIDED', { before: 10, after: 3 }],
    ]);
  });

  it('applies block policies: a customer hold blocks shipping but not consumption', async () => {
    await hold('CUSTOMER', [], ['SN-011'], 'SERIAL');
    expect(check({ serial: 'SN-011' }, 'ship')).toMatchObject({ allowed: false });
    const consume = check({ serial: 'SN-011' }, 'consume');
    expect(consume).toMatchObject({ allowed: true, code: 'ALLOWED' });
    expect(consume.nonBlocking).toHaveLength(1);
    // The serial's lot is only partly held: the lot as a whole may not ship.
    expect(check({ lot: 'L1-B' }, 'ship')).toMatchObject({ allowed: false, blocking: [{ via: 'serial' }] });
    expect(check({ serial: 'SN-012' }, 'ship')).toMatchObject({ allowed: true });
  });

  it('records a refused attempt through the group commit, after answering', async () => {
    const { holdId } = await hold('QUALITY', ['L1-B']);
    const answer = check({ serial: 'SN-019' }, 'consume');
    expect(answer.allowed).toBe(false);
    await gw.gateway.interlocks.recordRefusal(gw.gateway.commitWriter, answer, 'wms-1', at(90));
    const row = gw.gateway.store.db
      .prepare("SELECT * FROM interlock_refusals WHERE subject = 'SN-019'")
      .get() as Record<string, string>;
    expect(row).toMatchObject({ kind: 'serial', operation: 'consume', requester: 'wms-1' });
    expect(JSON.parse(row.holds!)).toContain(holdId);
  });

  it('answers clearly for material it has never seen', () => {
    const answer = check({ serial: 'NOPE-1' });
    expect(answer).toMatchObject({ allowed: true, known: false, code: 'UNKNOWN_SUBJECT' });
    expect(answer.reason).toBe(
      'serial NOPE-1 is not known to Holdgate; no hold can cover it, so it is allowed',
    );
    expect(check({ lot: 'NOPE-LOT' })).toMatchObject({ known: false, code: 'UNKNOWN_SUBJECT' });
  });

  it('splits a lot line with quantities conserved and refuses splits that do not add up', async () => {
    const { holdId, lineIds } = await hold('QUALITY', ['L1-A']);
    const lineId = lineIds[0]!;
    await expect(
      gw.gateway.command((r) => splitLine(r, lineId, [{ quantity: 4 }, { quantity: 5 }], qe, 'test', at(70))),
    ).rejects.toMatchObject({
      code: 'HG_SPLIT_NOT_CONSERVED',
      message: 'the parts add up to 9 EA, the line holds 10 (quantities must add up exactly)',
    });
    const children = await gw.gateway.command((r) =>
      splitLine(r, lineId, [{ quantity: 4 }, { quantity: 6 }], qe, 'test', at(70)),
    );
    const lines = await gw.gateway.command((r) => r.holds.lines(holdId));
    expect(lines.map((l) => [l.id, l.state, l.quantity, l.parent_line_id])).toEqual([
      [lineId, 'SPLIT', 10, null],
      [children[0], 'HELD', 4, lineId],
      [children[1], 'HELD', 6, lineId],
    ]);
    expect(lines.slice(1).reduce((n, l) => n + l.quantity, 0)).toBe(10);
    // The split line no longer blocks; its children do.
    expect(
      check({ lot: 'L1-A' })
        .blocking.map((b) => b.lineId)
        .sort(),
    ).toEqual([...children].sort());
    await expect(
      gw.gateway.command((r) => splitLine(r, lineId, [{ quantity: 5 }, { quantity: 5 }], qe, 'test', at(71))),
    ).rejects.toMatchObject({
      code: 'HG_LINE_NOT_HELD',
    });
  });

  it('splits a serial line into exact partitions only', async () => {
    const { lineIds } = await hold('QUALITY', [], ['SN-001', 'SN-002', 'SN-003'], 'SERIAL');
    const lineId = lineIds[0]!;
    await expect(
      gw.gateway.command((r) =>
        splitLine(r, lineId, [{ serials: ['SN-001'] }, { serials: ['SN-002'] }], qe, 'test', at(80)),
      ),
    ).rejects.toMatchObject({ code: 'HG_SPLIT_NOT_CONSERVED' });
    await expect(
      gw.gateway.command((r) =>
        splitLine(
          r,
          lineId,
          [{ serials: ['SN-001', 'SN-009'] }, { serials: ['SN-002', 'SN-003'] }],
          qe,
          'test',
          at(80),
        ),
      ),
    ).rejects.toMatchObject({ code: 'HG_SPLIT_UNKNOWN_SERIAL' });
    const children = await gw.gateway.command((r) =>
      splitLine(r, lineId, [{ serials: ['SN-003', 'SN-001'] }, { serials: ['SN-002'] }], qe, 'test', at(80)),
    );
    const kids = await gw.gateway.command((r) => children.map((c) => r.holds.line(c)!));
    expect(kids.map((k) => [k.quantity, k.serials])).toEqual([
      [2, ['SN-001', 'SN-003']],
      [1, ['SN-002']],
    ]);
  });

  it('writes an audit entry and outbox rows with the change', async () => {
    const { holdId, lineIds } = await hold('QUALITY', ['REEL-C14']);
    const db = gw.gateway.store.db;
    const audit = db
      .prepare("SELECT * FROM audit_log WHERE entity_id = ? AND action = 'HOLD_PLACED'")
      .get(holdId) as Record<string, string>;
    expect(audit).toMatchObject({
      actor_type: 'user',
      actor: 'qe.anna',
      source: 'test',
      reason: 'QUALITY check',
    });
    const rows = db
      .prepare("SELECT * FROM outbox WHERE type = 'HOLD_LINE_PLACED' AND payload LIKE ?")
      .all(`%"holdId":"${holdId}"%`) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ordering_key).toBe('lot:REEL-C14');
    expect(rows[0]!.idempotency_key).toBe(`holdgate-01:${gw.gateway.store.storeId}:${rows[0]!.seq}`);
    expect(JSON.parse(rows[0]!.payload!)).toMatchObject({
      holdId,
      lineId: lineIds[0],
      lotId: 'REEL-C14',
      quantity: 5000,
    });
  });
});
