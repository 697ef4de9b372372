/**
 * End to end: a failing CFX UnitsTested published to the embedded broker is held by
 * the matching rule in the same commit as the event, before the PUBACK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import Database from 'better-sqlite3';
import { startTestGateway } from '../../helpers/gateway.js';
import { seedPlant } from '../../helpers/plant.js';
import { envelope, unitsTested } from '../../helpers/cfx.js';
import { verifyAuditChain } from '../../../src/store/audit-log.js';
import { client as api } from '../../helpers/api.js';
import { dispose } from '../../helpers/tryton-holds.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;
const TOPIC = 'cfx/PLANT-1/L1/tester/L1-FCT';

describe('containment end to end', () => {
  let gw: TestGateway;
  let client: MqttClient;
  let reader: Database.Database;

  beforeAll(async () => {
    gw = await startTestGateway();
    await gw.gateway.command(seedPlant);
    client = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'fct-e2e' });
    reader = new Database(gw.dbPath, { readonly: true });
  });
  afterAll(async () => {
    reader.close();
    await client.endAsync();
    await gw.stop();
  });

  it('holds the failing unit’s lot by rule in the event’s own commit, blocks shipping, queues the ERP rows', async () => {
    const msg = unitsTested('SN-005', 'Failed');
    const seenAtPuback = await new Promise<{
      event: unknown;
      decision: Record<string, unknown> | undefined;
      lines: unknown[];
    }>((resolve, reject) =>
      client.publish(TOPIC, JSON.stringify(msg), { qos: 1 }, (err) => {
        if (err) return reject(err);
        const event = reader.prepare('SELECT seq FROM events WHERE source_event_id = ?').get(msg.UniqueID) as
          { seq: number } | undefined;
        const decision = event
          ? (reader.prepare('SELECT * FROM decisions WHERE event_seq = ?').get(event.seq) as Record<
              string,
              unknown
            >)
          : undefined;
        const lines = decision?.hold_id
          ? reader
              .prepare('SELECT lot_id, quantity, state FROM hold_lines WHERE hold_id = ?')
              .all(decision.hold_id)
          : [];
        resolve({ event, decision, lines });
      }),
    );
    expect(seenAtPuback.event).toBeDefined();
    expect(seenAtPuback.decision).toMatchObject({
      outcome: 'HOLD',
      rule_id: 'fct-fail-lot',
      rule_version: 1,
      severity: 'MAJOR',
    });
    expect(seenAtPuback.decision!.rule_set_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(seenAtPuback.lines).toEqual([{ lot_id: 'L1-A', quantity: 10, state: 'HELD' }]);

    const holdId = seenAtPuback.decision!.hold_id as string;
    const hold = reader.prepare('SELECT * FROM holds WHERE id = ?').get(holdId) as Record<string, string>;
    expect(hold).toMatchObject({
      type: 'QUALITY',
      created_by: 'rule:fct-fail-lot@1',
      approval_route: 'mrb-major',
      product_family: 'CTRL',
    });
    expect(JSON.parse(hold.notify_roles!)).toEqual(['quality_engineer', 'supervisor']);
    expect(hold.reason).toMatch(/CAP_LOW.*SN-005.*L1-FCT/);
    expect(JSON.parse(hold.scope!)).toMatchObject({
      kind: 'LOT',
      inputs: { trigger: { serials: ['SN-005'] } },
      found: { lots: ['L1-A'] },
    });

    const ship = gw.gateway.interlocks.check({ serial: 'SN-007' }, 'ship');
    expect(ship).toMatchObject({
      allowed: false,
      code: 'BLOCKED',
      blocking: [{ holdId, via: 'lot', holdType: 'QUALITY' }],
    });
    expect(gw.gateway.interlocks.check({ serial: 'SN-015' }, 'ship')).toMatchObject({ allowed: true });

    const outbox = reader
      .prepare('SELECT ordering_key, type, state FROM outbox WHERE payload LIKE ?')
      .all(`%${holdId}%`);
    expect(outbox).toEqual([{ ordering_key: 'lot:L1-A', type: 'HOLD_LINE_PLACED', state: 'QUEUED' }]);
    expect(verifyAuditChain(gw.gateway.store.db)).toMatchObject({ ok: true });
    const audit = reader
      .prepare('SELECT actor_type, actor, action FROM audit_log WHERE entity_id = ?')
      .all(holdId);
    expect(audit).toEqual([{ actor_type: 'rule', actor: 'fct-fail-lot@1', action: 'HOLD_PLACED' }]);
  });

  it('joins the next failing board of a held lot to the rule’s hold; what the hold no longer covers is held anew', async () => {
    const fail = async (serial: string) => {
      const msg = unitsTested(serial, 'Failed');
      await client.publishAsync(TOPIC, JSON.stringify(msg), { qos: 1 });
      return reader
        .prepare(
          'SELECT d.event_seq AS seq, d.outcome, d.hold_id AS holdId FROM decisions d JOIN events e ON e.seq = d.event_seq WHERE e.source_event_id = ?',
        )
        .get(msg.UniqueID) as { seq: number; outcome: string; holdId: string };
    };
    const placed = () =>
      reader
        .prepare(
          "SELECT count(*) AS n FROM outbox WHERE ordering_key = 'lot:L2-A' AND type = 'HOLD_LINE_PLACED'",
        )
        .get() as { n: number };
    const first = await fail('SN-021');
    expect(first.outcome).toBe('HOLD');
    const second = await fail('SN-022');
    expect(second).toMatchObject({ outcome: 'ATTACHED', holdId: first.holdId });
    // One MRB case with both events as evidence, one ERP move, an audit entry for the join.
    expect(placed()).toEqual({ n: 1 });
    const hold = await api(gw.gateway).get(`/api/v1/holds/${first.holdId}`);
    expect(hold.json<{ events: unknown[] }>().events).toEqual([
      expect.objectContaining({ eventSeq: first.seq, outcome: 'HOLD', ruleId: 'fct-fail-lot' }),
      expect.objectContaining({ eventSeq: second.seq, outcome: 'ATTACHED', ruleId: 'fct-fail-lot' }),
    ]);
    expect(
      reader
        .prepare("SELECT action, entity_id AS hold FROM audit_log WHERE action = 'HOLD_EVENT_ATTACHED'")
        .all(),
    ).toEqual([{ action: 'HOLD_EVENT_ATTACHED', hold: first.holdId }]);

    // 3 released, 2 in rework: the hold is still active but no longer covers the lot.
    await gw.gateway.command((r) => {
      const lineId = r.holds.lines(first.holdId)[0]!.id;
      dispose(r, { holdId: first.holdId, lineIds: [lineId] }, [
        ['RELEASE', 3],
        ['REWORK', 2],
      ]);
    });
    const third = await fail('SN-023');
    expect(third.outcome).toBe('HOLD');
    expect(third.holdId).not.toBe(first.holdId);
    expect(placed()).toEqual({ n: 2 });
  });

  it('records the process history and classifies only what is not passing', async () => {
    const pass = unitsTested('SN-016', 'Passed');
    await client.publishAsync(TOPIC, JSON.stringify(pass), { qos: 1 });
    const seq = (
      reader.prepare('SELECT seq FROM events WHERE source_event_id = ?').get(pass.UniqueID) as { seq: number }
    ).seq;
    expect(reader.prepare('SELECT count(*) AS n FROM decisions WHERE event_seq = ?').get(seq)).toEqual({
      n: 0,
    });
    const steps = reader
      .prepare(
        "SELECT kind, line, station, result, shift FROM process_steps WHERE serial = 'SN-016' AND event_seq = ?",
      )
      .all(seq);
    expect(steps).toEqual([
      { kind: 'UNITS_TESTED', line: 'L1', station: 'L1-FCT', result: 'PASS', shift: 'A' },
    ]);
  });

  it('stores "no rule matched" when nothing matches', async () => {
    const repaired = envelope('CFX.Production.ReworkAndRepair.UnitsRepaired', {
      RepairedUnits: [{ UnitIdentifier: 'SN-017', OverallResult: 'UnableToRepair', Repairs: [] }],
    });
    await client.publishAsync(TOPIC, JSON.stringify(repaired), { qos: 1 });
    const seq = (
      reader.prepare('SELECT seq FROM events WHERE source_event_id = ?').get(repaired.UniqueID) as {
        seq: number;
      }
    ).seq;
    expect(
      reader.prepare('SELECT outcome, rule_id, rule_set_hash FROM decisions WHERE event_seq = ?').get(seq),
    ).toMatchObject({
      outcome: 'NO_RULE',
      rule_id: null,
    });
  });

  it('a CFX BlockMaterialsRequest holds the reel and everything built with it', async () => {
    const block = envelope('CFX.Materials.Management.BlockMaterialsRequest', {
      MaterialPackageIdentifiers: ['REEL-C14'],
      Reason: 'SuspectedProblem',
      Blocker: { OperatorIdentifier: 'QE-03' },
    });
    await client.publishAsync(TOPIC, JSON.stringify(block), { qos: 1 });
    const seq = (
      reader.prepare('SELECT seq FROM events WHERE source_event_id = ?').get(block.UniqueID) as {
        seq: number;
      }
    ).seq;
    const d = reader.prepare('SELECT * FROM decisions WHERE event_seq = ?').get(seq) as Record<
      string,
      string
    >;
    expect(d).toMatchObject({ outcome: 'HOLD', rule_id: 'supplier-material-block' });
    expect(gw.gateway.interlocks.check({ lot: 'REEL-C14' }, 'consume')).toMatchObject({ allowed: false });
    expect(gw.gateway.interlocks.check({ serial: 'SN-015' }, 'ship')).toMatchObject({
      allowed: false,
      blocking: [{ holdType: 'SUPPLIER', via: 'serial' }],
    });
  });
});
