/** Roles and scopes on the HTTP API, in production mode; every refusal audited. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../../helpers/gateway.js';
import { seedPlant } from '../../helpers/plant.js';
import { client, tokenFor } from '../../helpers/api.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('API access control', () => {
  let gw: TestGateway;
  let qe: string;
  let operator: string;
  let auditor: string;
  let qePlant2: string;
  let holdId: string;
  let lineId: number;

  beforeAll(async () => {
    gw = await startTestGateway({ gateway: { mode: 'production' }, mqtt: { allow_anonymous: false } });
    await gw.gateway.command(seedPlant);
    qe = await tokenFor(gw.gateway, ['quality_engineer'], { user: 'qe.anna' });
    operator = await tokenFor(gw.gateway, ['operator']);
    auditor = await tokenFor(gw.gateway, ['auditor']);
    qePlant2 = await tokenFor(gw.gateway, ['quality_engineer'], { plants: ['PLANT-2'] });
    const placed = await client(gw.gateway, qe).post('/api/v1/holds', {
      type: 'QUALITY',
      reason: 'suspect solder paste',
      lots: ['L1-A'],
      plant: 'PLANT-1',
    });
    expect(placed.statusCode).toBe(201);
    holdId = placed.json().holdId;
    lineId = placed.json().lineIds[0];
  });
  afterAll(() => gw.stop());

  const denials = () =>
    gw.gateway.store.db
      .prepare(
        "SELECT actor, entity_id, after, reason FROM audit_log WHERE action = 'ACCESS_DENIED' ORDER BY seq",
      )
      .all() as Record<string, string>[];

  it('refuses anonymous and unknown-token requests in production (401), audited', async () => {
    const before = denials().length;
    const anon = await client(gw.gateway).get('/api/v1/holds');
    expect(anon.statusCode).toBe(401);
    expect(anon.json().error.code).toBe('HG_UNAUTHENTICATED');
    const bad = await client(gw.gateway, 'hgt_000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').get(
      '/api/v1/holds',
    );
    expect(bad.statusCode).toBe(401);
    expect(denials().length).toBe(before + 2);
    expect((await client(gw.gateway).get('/healthz')).statusCode).toBe(200);
  });

  it('an operator can check interlocks but cannot place, split or void a hold', async () => {
    const op = client(gw.gateway, operator);
    expect((await op.get('/api/v1/interlocks/ship?serial=SN-001')).json()).toMatchObject({
      allowed: false,
      code: 'BLOCKED',
    });
    const before = denials().length;
    const place = await op.post('/api/v1/holds', { type: 'QUALITY', reason: 'I think so', lots: ['L1-B'] });
    const split = await op.post(`/api/v1/hold-lines/${lineId}/split`, {
      parts: [{ quantity: 5 }, { quantity: 5 }],
    });
    const voided = await op.post(`/api/v1/holds/${holdId}/void`, { reason: 'not mine' });
    for (const r of [place, split, voided]) {
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('HG_FORBIDDEN');
    }
    const rows = denials().slice(before);
    expect(rows.map((d) => d.entity_id)).toEqual([
      'POST /api/v1/holds',
      'POST /api/v1/hold-lines/:id/split',
      'POST /api/v1/holds/:id/void',
    ]);
    expect(rows.map((d) => JSON.parse(d.after!).attempted)).toEqual([
      'hold.place',
      'hold.split',
      'hold.void',
    ]);
    expect(gw.gateway.interlocks.check({ lot: 'L1-B' }, 'ship').allowed).toBe(true);
  });

  it('an auditor reads holds and the audit trail but cannot write', async () => {
    const a = client(gw.gateway, auditor);
    expect((await a.get('/api/v1/holds')).json().holds.map((h: { id: string }) => h.id)).toContain(holdId);
    expect((await a.get(`/api/v1/holds/${holdId}`)).statusCode).toBe(200);
    const audit = await a.get(`/api/v1/audit?entityType=hold&entityId=${holdId}`);
    expect(audit.json().entries[0]).toMatchObject({ action: 'HOLD_PLACED', actor: 'qe.anna' });
    expect((await a.get('/api/v1/audit/verify')).json()).toMatchObject({ ok: true });
    expect(
      (await a.post('/api/v1/holds', { type: 'QUALITY', reason: 'read only', lots: ['L1-B'] })).statusCode,
    ).toBe(403);
    expect((await a.post('/api/v1/imports/items', [{ part_number: 'X' }])).statusCode).toBe(403);
  });

  it('refuses records outside the caller’s plants', async () => {
    const other = client(gw.gateway, qePlant2);
    const place = await other.post('/api/v1/holds', {
      type: 'QUALITY',
      reason: 'wrong plant',
      lots: ['L1-B'],
      plant: 'PLANT-1',
    });
    expect(place.statusCode).toBe(403);
    expect(place.json().error).toMatchObject({
      code: 'HG_OUT_OF_SCOPE',
      message: expect.stringContaining('plant PLANT-1'),
    });
    expect((await other.get(`/api/v1/holds/${holdId}`)).statusCode).toBe(403);
    expect((await other.get('/api/v1/holds')).json().holds).toEqual([]);
    expect((await other.post(`/api/v1/holds/${holdId}/void`, { reason: 'not my plant' })).statusCode).toBe(
      403,
    );
  });

  it('refuses material outside the caller’s product families', async () => {
    const power = client(
      gw.gateway,
      await tokenFor(gw.gateway, ['quality_engineer'], { families: ['POWER'] }),
    );
    const ctrl = await power.post('/api/v1/holds', {
      type: 'QUALITY',
      reason: 'wrong family',
      serials: ['SN-012'],
      scope: { kind: 'SERIAL' },
    });
    expect(ctrl.statusCode).toBe(403);
    expect(ctrl.json().error).toMatchObject({
      code: 'HG_OUT_OF_SCOPE',
      message: expect.stringContaining('product family CTRL'),
    });
    const own = await power.post('/api/v1/holds', {
      type: 'QUALITY',
      reason: 'power board check',
      serials: ['SN-021'],
      scope: { kind: 'SERIAL' },
    });
    expect(own.statusCode).toBe(201);
  });

  it('a quality engineer splits and voids; validation errors name the field', async () => {
    const q = client(gw.gateway, qe);
    const bad = await q.post(`/api/v1/hold-lines/${lineId}/split`, { parts: [{ quantity: -1 }], reason: 3 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.issues).toEqual([
      'body.parts[0].quantity: must be more than 0',
      'body.parts: a split needs at least two parts',
      'body.reason: expected string, got number (set it to a string)',
    ]);
    const uneven = await q.post(`/api/v1/hold-lines/${lineId}/split`, {
      parts: [{ quantity: 3 }, { quantity: 3 }],
    });
    expect(uneven.statusCode).toBe(422);
    expect(uneven.json().error.code).toBe('HG_SPLIT_NOT_CONSERVED');
    const split = await q.post(`/api/v1/hold-lines/${lineId}/split`, {
      parts: [{ quantity: 3 }, { quantity: 7 }],
      reason: 'sort',
    });
    expect(split.statusCode).toBe(200);
    expect(split.json().children).toHaveLength(2);
    const detail = (await q.get(`/api/v1/holds/${holdId}`)).json();
    expect(detail.lines.map((l: { state: string; quantity: number }) => [l.state, l.quantity])).toEqual([
      ['SPLIT', 10],
      ['HELD', 3],
      ['HELD', 7],
    ]);
    expect(detail.scope).toMatchObject({ kind: 'LOT', inputs: { trigger: { lots: ['L1-A'] } } });
    const voided = await q.post(`/api/v1/holds/${holdId}/void`, { reason: 'paste lot was fine after all' });
    expect(voided.json()).toEqual({ holdId, state: 'VOIDED' });
    expect(gw.gateway.interlocks.check({ lot: 'L1-A' }, 'ship').allowed).toBe(true);
    expect((await q.get('/api/v1/holds/H-999999')).statusCode).toBe(404);
  });
});
