/**
 * Imports (JSON and CSV, all or nothing, every bad row reported), order impact after a
 * CFX failure holds a lot, interlocks over HTTP, and the served OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestGateway } from '../../helpers/gateway.js';
import { client, tokenFor } from '../../helpers/api.js';
import { unitsTested } from '../../helpers/cfx.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('imports, order impact and HTTP interlocks', () => {
  let gw: TestGateway;
  let integ: ReturnType<typeof client>;
  let qe: ReturnType<typeof client>;

  beforeAll(async () => {
    // Demo mode so the test device may publish anonymously; the API still checks every token's roles.
    gw = await startTestGateway();
    integ = client(gw.gateway, await tokenFor(gw.gateway, ['integration']));
    qe = client(gw.gateway, await tokenFor(gw.gateway, ['quality_engineer']));
  });
  afterAll(() => gw.stop());

  const count = (table: string) =>
    (gw.gateway.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  it('reports every bad row of an import and changes nothing', async () => {
    const before = count('items');
    const r = await integ.post('/api/v1/imports/items', [
      { part_number: 'PCBA-7731', family: 'CTRL', gtin: '09506000134352', unit_cost: 42.5 },
      { part_number: '', family: 'CTRL' },
      { part_number: 'PCBA-X', gtin: '09506000134353' },
      { part_number: 'PCBA-Y', unit_cost: 'cheap', tracking_mode: 'BATCH' },
    ]);
    expect(r.statusCode).toBe(422);
    expect(r.json().error.code).toBe('HG_IMPORT_REJECTED');
    expect(r.json().error.issues).toEqual([
      '[1]: part_number: part_number is required',
      '[2]: gtin: is not a valid GTIN (8, 12, 13 or 14 digits with a correct check digit)',
      '[3]: tracking_mode: must be NONE, LOT, SERIAL or LOT_AND_SERIAL',
      '[3]: unit_cost: must be a number',
    ]);
    expect(count('items')).toBe(before);
    // References are checked too: a lot of an unknown item rejects the whole file.
    const lots = await integ.post('/api/v1/imports/lots', [
      { lot_id: 'L-OK', item: 'PCBA-7731', quantity: 10 },
      { lot_id: 'L-BAD', item: 'NOPE', quantity: 10 },
    ]);
    expect(lots.json().error.issues).toEqual([
      '[0]: item: PCBA-7731 is not a known item (import items first)',
      '[1]: item: NOPE is not a known item (import items first)',
    ]);
    expect(count('lots')).toBe(0);
  });

  it('imports master data and orders from CSV and JSON', async () => {
    const ok = async (kind: string, body: unknown, type?: string) => {
      const r = await integ.post(`/api/v1/imports/${kind}`, body, type);
      expect(r.statusCode, JSON.stringify(r.json())).toBe(200);
      return r.json();
    };
    await ok(
      'items',
      'part_number,family,tracking_mode,unit_cost\nPCBA-7731,CTRL,LOT_AND_SERIAL,42.5\nCAP-100N,COMPONENT,LOT,0.01\n',
      'text/csv',
    );
    await ok('locations', [
      { id: 'L1-FCT', plant: 'PLANT-1', line: 'L1', station: 'L1-FCT' },
      { id: 'MRB', plant: 'PLANT-1', quarantine: true },
    ]);
    await ok('lots', [
      { lot_id: 'LOT-7', item: 'PCBA-7731', quantity: 4, line: 'L1' },
      { lot_id: 'REEL-9', item: 'CAP-100N', quantity: 5000 },
    ]);
    expect(
      await ok(
        'serials',
        'serial,item,lot_id\nSN-71,PCBA-7731,LOT-7\nSN-72,PCBA-7731,LOT-7\nSN-73,PCBA-7731,LOT-7\nSN-74,PCBA-7731,LOT-7\n',
        'text/csv',
      ),
    ).toEqual({
      kind: 'serials',
      applied: 4,
    });
    const orders = await ok(
      'customer-orders',
      [
        'order_id,line_no,customer,item,quantity,promised_date,alloc_lot_id,alloc_serial,alloc_quantity',
        'SO-100,1,ACME Motors,PCBA-7731,2,2026-03-10,,SN-71,1',
        'SO-100,1,ACME Motors,PCBA-7731,2,2026-03-10,,SN-72,1',
        'SO-200,1,Borealis,PCBA-7731,4,2026-03-05,LOT-7,,2',
        'SO-300,1,Cygnus,PCBA-9999,1,2026-03-20,,,',
      ].join('\n'),
      'text/csv',
    );
    expect(orders.applied).toBe(3);
    await ok('work-orders', [
      {
        work_order: 'WO-55',
        item: 'PCBA-7731',
        lot_id: 'LOT-8',
        line: 'L1',
        scheduled_start: '2026-03-03T06:00:00Z',
        components: [
          { component_lot: 'REEL-9', quantity: 400 },
          { component_lot: 'LOT-7', quantity: 4 },
        ],
      },
    ]);
    await ok('supplier-receipts', [
      {
        receipt_id: 'GR-1',
        supplier: 'Capco',
        item: 'CAP-100N',
        lot_id: 'REEL-9',
        supplier_lot: 'C-2026-11',
        quantity: 5000,
        received_at: '2026-02-20',
      },
    ]);
    expect(gw.gateway.store.db.prepare('SELECT count(*) AS n FROM order_allocations').get()).toEqual({
      n: 3,
    });
    const badOrder = await integ.post('/api/v1/imports/customer-orders', [
      {
        order_id: 'SO-9',
        line_no: 1,
        customer: 'X',
        item: 'PCBA-7731',
        quantity: 1,
        allocations: [{ serial: 'SN-NOPE', quantity: 1 }],
      },
    ]);
    expect(badOrder.json().error.issues).toEqual([
      '[0]: allocations[0].serial: SN-NOPE is not a known serial',
    ]);
  });

  it('a CFX failure holds the lot and lists the order lines, work orders and receipts at risk', async () => {
    const dev = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'fct-orders' });
    await dev.publishAsync('cfx/PLANT-1/L1/tester/L1-FCT', JSON.stringify(unitsTested('SN-73', 'Failed')), {
      qos: 1,
    });
    await dev.endAsync();
    const holds = (await qe.get('/api/v1/holds?state=ACTIVE')).json().holds;
    const hold = holds.find((h: { rule: string }) => h.rule === 'fct-fail-lot@1');
    const detail = (await qe.get(`/api/v1/holds/${hold.id}`)).json();
    expect(detail.lines).toMatchObject([{ lotId: 'LOT-7', quantity: 4, state: 'HELD' }]);
    expect(
      detail.orderImpact.map((i: { kind: string; ref: string; party: string | null; quantity: number }) => [
        i.kind,
        i.ref,
        i.party,
        i.quantity,
      ]),
    ).toEqual([
      ['CUSTOMER_ORDER', 'SO-200/1', 'Borealis', 2],
      ['CUSTOMER_ORDER', 'SO-100/1', 'ACME Motors', 1],
      ['CUSTOMER_ORDER', 'SO-100/1', 'ACME Motors', 1],
      ['WORK_ORDER', 'WO-55', null, 4],
    ]);
    const atRisk = (await qe.get('/api/v1/order-impact?kind=CUSTOMER_ORDER')).json().impacts;
    expect(atRisk.map((i: { ref: string; due: string }) => [i.ref, i.due])).toEqual([
      ['SO-200/1', '2026-03-05'],
      ['SO-100/1', '2026-03-10'],
      ['SO-100/1', '2026-03-10'],
    ]);
    // A supplier-lot hold finds the receipt behind it: a supplier claim candidate.
    const reel = await qe.post('/api/v1/holds', {
      type: 'SUPPLIER',
      reason: 'capacitance drift on reel',
      lots: ['REEL-9'],
    });
    const reelImpact = (await qe.get(`/api/v1/holds/${reel.json().holdId}`)).json().orderImpact;
    expect(
      reelImpact.map((i: { kind: string; ref: string; party: string }) => [i.kind, i.ref, i.party]),
    ).toEqual([
      ['WORK_ORDER', 'WO-55', null],
      ['SUPPLIER_RECEIPT', 'GR-1', 'Capco'],
    ]);
  });

  it('answers interlocks over HTTP, single and batch, with the blocking reasons', async () => {
    const one = await integ.get('/api/v1/interlocks/ship?serial=SN-74');
    expect(one.json()).toMatchObject({
      allowed: false,
      code: 'BLOCKED',
      blocking: [{ holdType: 'QUALITY', via: 'lot', lotId: 'LOT-7' }],
    });
    expect(one.json().reason).toMatch(
      /^ship blocked by hold H-\d{6}: QUALITY — Functional test failure holds the unit's lot/,
    );
    const batch = await integ.post('/api/v1/interlocks', {
      checks: [
        { serial: 'SN-74', operation: 'transfer' },
        { lot: 'REEL-9', operation: 'consume' },
        { serial: 'SN-NEW', operation: 'ship' },
      ],
    });
    expect(batch.json().answers.map((a: { code: string }) => a.code)).toEqual([
      'ALLOWED',
      'BLOCKED',
      'UNKNOWN_SUBJECT',
    ]);
    const invalid = await integ.get('/api/v1/interlocks/sell?serial=SN-74&lot=X');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.issues).toEqual([
      'params.operation: must be one of consume, ship, pick, transfer, reserve',
      'query.serial: name exactly one of serial or lot',
    ]);
    await expect.poll(() => count('interlock_refusals')).toBeGreaterThanOrEqual(2);
  });

  it('serves an OpenAPI document that validates', async () => {
    const doc = (await gw.gateway.http.inject('/openapi.json')).json();
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/holds',
        '/api/v1/holds/{id}',
        '/api/v1/hold-lines/{id}/split',
        '/api/v1/interlocks/{operation}',
        '/api/v1/imports/{kind}',
        '/api/v1/order-impact',
      ]),
    );
    expect(doc.paths['/api/v1/holds'].post['x-permission']).toBe('hold.place');
  });
});
