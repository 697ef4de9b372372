/**
 * Disposition end to end through MQTT and the API: a CFX failure holds a lot → a
 * quality engineer proposes 30 rework, 2 scrap, 8 release → supervisor and quality
 * manager approve with re-authenticated signatures → 8 released and shippable, 2 wait
 * for the ERP, 30 IN_REWORK with a rework request. Plus the rules around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { spawnSync } from 'node:child_process';
import { startTestGateway, REPO } from '../../helpers/gateway.js';
import { client } from '../../helpers/api.js';
import { unitsTested } from '../../helpers/cfx.js';
import { hashPassword } from '../../../src/ingest/mqtt/credentials.js';
import { HOLDGATE_BIN } from '../../helpers/daemon.js';
import type { Role } from '../../../src/access/roles.js';
import { completeErpEffect } from '../../../src/containment/dispositions.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;
const serial = (lot: string, i: number) => `${lot}-SN${String(i).padStart(2, '0')}`;

describe('disposition', () => {
  let gw: TestGateway;
  const api: Record<string, ReturnType<typeof client>> = {};

  beforeAll(async () => {
    gw = await startTestGateway();
    const people: [string, Role[]][] = [
      ['qe.anna', ['quality_engineer']],
      ['qe.ben', ['quality_engineer']],
      ['qe.cara', ['quality_engineer']],
      ['sup.dan', ['supervisor']],
      ['qm.eva', ['quality_manager']],
    ];
    const hash = await hashPassword('signing-pass-1');
    const pinHash = await hashPassword('4711');
    for (const [username, roles] of people) {
      const token = await gw.gateway.command(() => {
        const at = new Date().toISOString();
        // qe.cara signs at the station with her badge and PIN.
        const badge = username === 'qe.cara' ? { badge: 'BADGE-0042', pinHash } : {};
        gw.gateway.access.addUser(
          { username, displayName: username.toUpperCase(), roles, passwordHash: hash, ...badge },
          at,
        );
        return gw.gateway.access.createToken({ name: username, username, roles }, at).token;
      });
      api[username] = client(gw.gateway, token);
    }
    const admin = client(gw.gateway);
    const rows = (lot: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ serial: serial(lot, i + 1), item: 'PCBA-7731', lot_id: lot }));
    for (const [kind, body] of [
      ['items', [{ part_number: 'PCBA-7731', family: 'CTRL', unit_cost: 50 }]],
      [
        'lots',
        [
          { lot_id: 'LOT-A', item: 'PCBA-7731', quantity: 40, line: 'L1' },
          { lot_id: 'LOT-B', item: 'PCBA-7731', quantity: 4, line: 'L1' },
          { lot_id: 'LOT-C', item: 'PCBA-7731', quantity: 4, line: 'L1' },
        ],
      ],
      ['serials', [...rows('LOT-A', 40), ...rows('LOT-B', 4), ...rows('LOT-C', 4)]],
      [
        'customer-orders',
        [
          {
            order_id: 'SO-1',
            line_no: 1,
            customer: 'ACME Motors',
            item: 'PCBA-7731',
            quantity: 4,
            allocations: [{ lot_id: 'LOT-C', quantity: 4 }],
          },
          {
            order_id: 'SO-2',
            line_no: 1,
            customer: 'Borealis',
            item: 'PCBA-7731',
            quantity: 4,
            allocations: [{ lot_id: 'LOT-B', quantity: 4 }],
          },
        ],
      ],
    ] as const)
      expect((await admin.post(`/api/v1/imports/${kind}`, body)).statusCode).toBe(200);
  });
  afterAll(() => gw.stop());

  const failUnit = async (sn: string) => {
    const dev = await mqtt.connectAsync(gw.mqttUrl, { clientId: `fct-${sn}` });
    await dev.publishAsync('cfx/PLANT-1/L1/tester/L1-FCT', JSON.stringify(unitsTested(sn, 'Failed')), {
      qos: 1,
    });
    await dev.endAsync();
    const holds = (await api['qe.anna']!.get('/api/v1/holds?state=ACTIVE')).json().holds as { id: string }[];
    const detail = (await api['qe.anna']!.get(`/api/v1/holds/${holds[0]!.id}`)).json();
    return { holdId: detail.id as string, lineId: detail.lines[0].id as number };
  };
  const sign = { reason: 'reviewed the MRB record', password: 'signing-pass-1' };

  it('30 rework, 2 scrap, 8 release: signed by supervisor and quality manager', async () => {
    const { holdId, lineId } = await failUnit(serial('LOT-A', 1));
    const all = Array.from({ length: 40 }, (_, i) => serial('LOT-A', i + 1));
    const bad = await api['qe.anna']!.post(`/api/v1/holds/${holdId}/dispositions`, {
      slices: [
        { lineId, action: 'REWORK', serials: all.slice(0, 30) },
        { lineId, action: 'SCRAP', serials: all.slice(30, 32), reasonCode: 'LIFTED_PAD' },
        { lineId, action: 'RELEASE', serials: all.slice(32, 39) },
      ],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('HG_SLICES_NOT_CONSERVED');

    const created = await api['qe.anna']!.post(`/api/v1/holds/${holdId}/dispositions`, {
      rationale: 'C14 low on 30 boards: replace C14; 2 lifted pads; 8 retested good',
      slices: [
        { lineId, action: 'REWORK', serials: all.slice(0, 30) },
        { lineId, action: 'SCRAP', serials: all.slice(30, 32), reasonCode: 'LIFTED_PAD' },
        { lineId, action: 'RELEASE', serials: all.slice(32) },
      ],
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const submitted = await api['qe.anna']!.post(`/api/v1/dispositions/${id}/submit`, {});
    expect(submitted.json()).toMatchObject({ state: 'SUBMITTED', route: 'mrb-major' });
    expect(gw.gateway.interlocks.check({ serial: all[35]! }, 'ship').allowed).toBe(false);

    const wrongPw = await api['sup.dan']!.post(`/api/v1/dispositions/${id}/approve`, {
      ...sign,
      password: 'nope',
    });
    expect(wrongPw.statusCode).toBe(401);
    expect(wrongPw.json().error.code).toBe('HG_REAUTH_FAILED');
    const qmFirst = await api['qm.eva']!.post(`/api/v1/dispositions/${id}/approve`, sign);
    expect(qmFirst.json().error.code).toBe('HG_WRONG_ROLE');
    expect((await api['sup.dan']!.post(`/api/v1/dispositions/${id}/approve`, sign)).json()).toMatchObject({
      state: 'SUBMITTED',
      step: 2,
    });
    expect((await api['qm.eva']!.post(`/api/v1/dispositions/${id}/approve`, sign)).json()).toMatchObject({
      state: 'APPROVED',
    });

    // 8 released and shippable; 2 wait for the ERP; 30 in rework with a request.
    for (const sn of all.slice(32))
      expect(gw.gateway.interlocks.check({ serial: sn }, 'ship').allowed).toBe(true);
    for (const sn of all.slice(0, 32))
      expect(gw.gateway.interlocks.check({ serial: sn }, 'ship').allowed).toBe(false);
    const d = (await api['qe.anna']!.get(`/api/v1/dispositions/${id}`)).json();
    expect(d.state).toBe('APPROVED');
    expect(
      d.signatures.map((s: { signer: string; meaning: string; printed_name: string; verifies: boolean }) => [
        s.signer,
        s.meaning,
        s.printed_name,
        s.verifies,
      ]),
    ).toEqual([
      ['sup.dan', 'APPROVED', 'SUP.DAN', true],
      ['qm.eva', 'APPROVED', 'QM.EVA', true],
    ]);
    const lines = (await api['qe.anna']!.get(`/api/v1/holds/${holdId}`)).json().lines;
    expect(lines.map((l: { state: string; quantity: number }) => [l.state, l.quantity])).toEqual([
      ['SPLIT', 40],
      ['IN_REWORK', 30],
      ['SCRAP_PENDING_POST', 2],
      ['RELEASED', 8],
    ]);
    const scrap = gw.gateway.store.db
      .prepare("SELECT state, payload FROM outbox WHERE type = 'SCRAP'")
      .get() as { state: string; payload: string };
    expect(scrap.state).toBe('QUEUED');
    expect(JSON.parse(scrap.payload)).toMatchObject({
      quantity: 2,
      reasonCode: 'LIFTED_PAD',
      value: 100,
      item: 'PCBA-7731',
    });
    const rework = (await api['qe.anna']!.get('/api/v1/rework-requests')).json().requests;
    expect(rework).toHaveLength(1);
    expect(rework[0]).toMatchObject({
      action: 'REWORK',
      quantity: 30,
      state: 'OPEN',
      defect_codes: '["CAP_LOW"]',
    });
    expect(JSON.parse(rework[0].serials)).toHaveLength(30);

    // The ERP acknowledges the scrap posting: the 2 are SCRAPPED and the decision is done.
    const seq = (
      gw.gateway.store.db.prepare("SELECT seq FROM outbox WHERE type = 'SCRAP'").get() as { seq: number }
    ).seq;
    expect(await gw.gateway.command((r) => completeErpEffect(r, seq, new Date().toISOString()))).toBe(true);
    const after = (await api['qe.anna']!.get(`/api/v1/holds/${holdId}`)).json().lines;
    expect(after.map((l: { state: string }) => l.state)).toEqual([
      'SPLIT',
      'IN_REWORK',
      'SCRAPPED',
      'RELEASED',
    ]);
    expect((await api['qe.anna']!.get(`/api/v1/dispositions/${id}`)).json().state).toBe('EXECUTED');
    // Refusals the domain decides are audited too.
    const denied = gw.gateway.store.db
      .prepare("SELECT after FROM audit_log WHERE action = 'ACCESS_DENIED'")
      .all() as { after: string }[];
    expect(denied.map((d) => JSON.parse(d.after).code)).toEqual(
      expect.arrayContaining(['HG_REAUTH_FAILED', 'HG_WRONG_ROLE']),
    );
  });

  it('refuses self-approval, needs two different approvers for a quorum of two, and routes by customer', async () => {
    // LOT-C is allocated to ACME Motors, whose route needs a quality manager then two quality engineers.
    const { holdId, lineId } = await failUnit(serial('LOT-C', 1));
    const id = (
      await api['qe.anna']!.post(`/api/v1/holds/${holdId}/dispositions`, {
        slices: [{ lineId, action: 'RELEASE', quantity: 4 }],
      })
    ).json().id;
    expect((await api['qe.anna']!.post(`/api/v1/dispositions/${id}/submit`, {})).json().route).toBe(
      'customer-acme',
    );
    expect((await api['qm.eva']!.post(`/api/v1/dispositions/${id}/approve`, sign)).json().step).toBe(2);
    const self = await api['qe.anna']!.post(`/api/v1/dispositions/${id}/approve`, sign);
    expect(self.json().error.code).toBe('HG_SELF_APPROVAL');
    expect((await api['qe.ben']!.post(`/api/v1/dispositions/${id}/approve`, sign)).json()).toMatchObject({
      state: 'SUBMITTED',
      step: 2,
    });
    const twice = await api['qe.ben']!.post(`/api/v1/dispositions/${id}/approve`, sign);
    expect(twice.json().error.code).toBe('HG_ALREADY_APPROVED');
    expect(gw.gateway.interlocks.check({ lot: 'LOT-C' }, 'ship').allowed).toBe(false);
    // Release restores the customer allocation and opens the interlock.
    const badSign = await api['qe.cara']!.post(`/api/v1/dispositions/${id}/approve`, {
      reason: 'badge sign-off',
      badge: 'BADGE-0042',
      pin: '0000',
    });
    expect(badSign.json().error.code).toBe('HG_REAUTH_FAILED');
    expect(
      (
        await api['qe.cara']!.post(`/api/v1/dispositions/${id}/approve`, {
          reason: 'badge sign-off',
          badge: 'BADGE-0042',
          pin: '4711',
        })
      ).json(),
    ).toMatchObject({ state: 'EXECUTED' });
    const sigs = (await api['qe.anna']!.get(`/api/v1/dispositions/${id}`)).json().signatures;
    expect(sigs.map((s: { signer: string; auth_method: string }) => [s.signer, s.auth_method])).toEqual([
      ['qm.eva', 'PASSWORD'],
      ['qe.ben', 'PASSWORD'],
      ['qe.cara', 'BADGE_PIN'],
    ]);
    expect(gw.gateway.interlocks.check({ lot: 'LOT-C' }, 'ship').allowed).toBe(true);
    expect(
      gw.gateway.store.db.prepare("SELECT flagged_hold FROM order_allocations WHERE order_id = 'SO-1'").get(),
    ).toEqual({ flagged_hold: null });
    expect((await api['qe.anna']!.get(`/api/v1/holds/${holdId}`)).json()).toMatchObject({
      state: 'CLOSED',
      orderImpact: [{ ref: 'SO-1/1', resolvedAt: expect.any(String) }],
    });

    // Material of another customer takes the severity route, not ACME's.
    const b = await failUnit(serial('LOT-B', 1));
    const idB = (
      await api['qe.anna']!.post(`/api/v1/holds/${b.holdId}/dispositions`, {
        slices: [{ lineId: b.lineId, action: 'SCRAP', quantity: 4 }],
      })
    ).json().id;
    expect((await api['qe.anna']!.post(`/api/v1/dispositions/${idB}/submit`, {})).json().route).toBe(
      'mrb-major',
    );
  });

  it('detects a signed record that changed afterwards', async () => {
    const id = (
      gw.gateway.store.db.prepare("SELECT id FROM dispositions WHERE state = 'EXECUTED' LIMIT 1").get() as {
        id: string;
      }
    ).id;
    gw.gateway.store.db
      .prepare('UPDATE disposition_slices SET quantity = 3 WHERE disposition_id = ?')
      .run(id);
    const d = (await api['qe.anna']!.get(`/api/v1/dispositions/${id}`)).json();
    expect(d.signatures.every((s: { verifies: boolean }) => s.verifies === false)).toBe(true);
    const verify = spawnSync(process.execPath, [HOLDGATE_BIN, 'audit', 'verify', '--store', gw.dbPath], {
      cwd: REPO,
      encoding: 'utf8',
    });
    expect(verify.status).toBe(1);
    expect(verify.stderr).toMatch(
      new RegExp(`signature S-\\d{6} does NOT verify: record ${id}@1 changed after it was signed`),
    );
  });
});
