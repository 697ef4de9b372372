/**
 * The embedded broker with real mqtt.js clients over loopback and a real SQLite file:
 * PUBACK after commit, duplicates, and every kind of bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { startTestGateway } from '../helpers/gateway.js';
import { eventOfRow } from '../../src/store/event-log.js';
import { AOI_TOPIC, TESTER_TOPIC, envelope, unitsTested } from '../helpers/cfx.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

function connect(url: string, clientId = `dev-${randomUUID().slice(0, 8)}`): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, protocolVersion: 4 });
}

describe('embedded broker', () => {
  let gw: TestGateway;
  let client: MqttClient;
  let reader: Database.Database;

  beforeAll(async () => {
    gw = await startTestGateway({ ingest: { max_payload_bytes: 4096 } });
    client = await connect(gw.mqttUrl);
    reader = new Database(gw.dbPath, { readonly: true });
  });

  afterAll(async () => {
    reader.close();
    await client.endAsync();
    await gw.stop();
  });

  const count = (sql: string, ...args: unknown[]) => (reader.prepare(sql).get(...args) as { n: number }).n;

  it('has each QoS 1 event in the event log before its PUBACK arrives', async () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const lookup = reader.prepare('SELECT count(*) AS n FROM events WHERE source_event_id = ?');
    const seenAtAck = await Promise.all(
      ids.map(
        (id, i) =>
          new Promise<number>((resolve, reject) => {
            const msg = JSON.stringify(unitsTested(`SN-A-${i}`, i % 7 === 0 ? 'Failed' : 'Passed', id));
            client.publish(TESTER_TOPIC, msg, { qos: 1 }, (err) => {
              // Runs when the PUBACK arrives: read through a separate connection, so only committed rows count.
              if (err) reject(err);
              else resolve((lookup.get(id) as { n: number }).n);
            });
          }),
      ),
    );
    expect(seenAtAck).toEqual(ids.map(() => 1));
    const row = reader
      .prepare('SELECT kind, result, body FROM events WHERE source_event_id = ?')
      .get(ids[0]) as {
      kind: string;
      result: string;
      body: string;
    };
    expect(row.kind).toBe('UNITS_TESTED');
    expect(row.result).toBe('FAIL');
    const body = JSON.parse(row.body);
    expect(body.context).toEqual({ plant: 'PLANT-1', line: 'L1', station: 'FCT1' });
    expect(body.units[0].findings[0]).toMatchObject({ type: 'SYMPTOM', code: 'CAP_LOW', component: 'C14' });
  });

  it('gives a duplicate (same CFX UniqueID, or a QoS 1 resend) one effect and still acknowledges it', async () => {
    const id = randomUUID();
    const msg = JSON.stringify(unitsTested('SN-DUP-1', 'Failed', id));
    await client.publishAsync(TESTER_TOPIC, msg, { qos: 1 });
    await client.publishAsync(TESTER_TOPIC, msg, { qos: 1 });
    // A resend from a second connection (what a device does after reconnecting) is also a no-op.
    const other = await connect(gw.mqttUrl);
    await other.publishAsync(TESTER_TOPIC, msg, { qos: 1, dup: true });
    await other.endAsync();
    expect(count('SELECT count(*) AS n FROM events WHERE source_event_id = ?', id)).toBe(1);
    const metrics = await gw.gateway.http.inject('/metrics');
    expect(metrics.body).toMatch(/holdgate_ingest_duplicates_total \d+/);
    expect(Number(/holdgate_ingest_duplicates_total (\d+)/.exec(metrics.body)?.[1])).toBeGreaterThanOrEqual(
      2,
    );
  });

  it('dead-letters every kind of bad input with its reason, acks it, and keeps working', async () => {
    const good = () => JSON.stringify(unitsTested(`SN-OK-${randomUUID().slice(0, 6)}`, 'Passed'));
    const cases: { topic: string; payload: string | Buffer; reason: RegExp; code: string }[] = [
      {
        topic: TESTER_TOPIC,
        payload: '{"MessageName": "CFX.Production',
        code: 'INVALID_JSON',
        reason: /not JSON/,
      },
      {
        topic: TESTER_TOPIC,
        payload: JSON.stringify(
          envelope('CFX.Production.TestAndInspection.UnitsTested', {
            TestedUnits: [{ UnitIdentifier: 'X' }],
          }),
        ),
        code: 'INVALID_SHAPE',
        reason: /MessageBody\.TestedUnits\[0\]\.OverallResult: must be a CFX TestResult/,
      },
      {
        topic: TESTER_TOPIC,
        payload: JSON.stringify({ ...unitsTested('SN-X', 'Passed'), TimeStamp: '2026-03-02T08:15:30' }),
        code: 'INVALID_SHAPE',
        reason: /TimeStamp: must be an ISO 8601 time with a UTC offset/,
      },
      {
        topic: TESTER_TOPIC,
        payload: JSON.stringify(envelope('CFX.Production.ReworkAndRepair.UnitsReworked', {})),
        code: 'UNKNOWN_MESSAGE',
        reason: /UnitsReworked' is not a CFX message Holdgate reads/,
      },
      {
        topic: AOI_TOPIC,
        payload: JSON.stringify(unitsTested('SN-Y', 'Passed')),
        code: 'MESSAGE_NOT_ALLOWED',
        reason: /not in profile cfx-aoi's cfx.messages/,
      },
      {
        topic: TESTER_TOPIC,
        payload: Buffer.alloc(5000, 0x7b),
        code: 'PAYLOAD_TOO_LARGE',
        reason: /5000 bytes, the limit is 4096/,
      },
      { topic: 'somewhere/else', payload: good(), code: 'NO_PROFILE', reason: /matches no device profile/ },
    ];
    for (const c of cases) {
      const before = count('SELECT count(*) AS n FROM dead_letters');
      await client.publishAsync(c.topic, c.payload, { qos: 1 });
      const dl = reader.prepare('SELECT * FROM dead_letters ORDER BY id DESC LIMIT 1').get() as Record<
        string,
        unknown
      >;
      expect(count('SELECT count(*) AS n FROM dead_letters')).toBe(before + 1);
      expect(dl.reason_code).toBe(c.code);
      expect(dl.reason).toMatch(c.reason);
      expect(dl.topic).toBe(c.topic);
      expect(Buffer.compare(dl.raw as Buffer, Buffer.from(c.payload))).toBe(0);
      expect(dl.raw_length).toBe(Buffer.byteLength(c.payload));
      // The next good message on the same connection still lands.
      const ok = good();
      await client.publishAsync(TESTER_TOPIC, ok, { qos: 1 });
      expect(
        count('SELECT count(*) AS n FROM events WHERE source_event_id = ?', JSON.parse(ok).UniqueID),
      ).toBe(1);
    }
    const metrics = (await gw.gateway.http.inject('/metrics')).body;
    for (const code of new Set(cases.map((c) => c.code)))
      expect(metrics).toMatch(new RegExp(`holdgate_dead_letters_total\\{reason="${code}"\\} [1-9]`));
  });

  it('maps a plain-JSON vision verdict through its profile', async () => {
    const payload = {
      inspection_id: `CAM2-${randomUUID()}`,
      ts: '2026-03-02T08:15:30Z',
      serial: 'SN-VIS-1',
      lot: 'LOT-7',
      verdict: 'NG',
      defects: [{ code: 'SCRATCH', area: 'housing' }],
    };
    await client.publishAsync('vision/PLANT-1/L2/CAM2/result', JSON.stringify(payload), { qos: 1 });
    const row = reader
      .prepare('SELECT * FROM events WHERE source_event_id = ?')
      .get(payload.inspection_id) as { profile_id: string; body: string };
    expect(row.profile_id).toBe('vision-json');
    // The body leaves out what has a column; the stored event is the two together.
    expect(JSON.parse(row.body)).not.toHaveProperty('kind');
    expect(eventOfRow(row)).toMatchObject({
      kind: 'UNITS_INSPECTED',
      result: 'FAIL',
      lot: 'LOT-7',
      context: { line: 'L2', station: 'CAM2' },
      units: [
        { serial: 'SN-VIS-1', result: 'FAIL', findings: [{ code: 'SCRATCH', description: 'housing' }] },
      ],
    });
  });

  it('serves health, readiness and metrics', async () => {
    const http = gw.gateway.http;
    expect((await http.inject('/healthz')).json()).toMatchObject({ status: 'ok', mode: 'demo' });
    const ready = await http.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { store: true, broker: true } });
    const metrics = await http.inject('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/holdgate_commit_batch_size_count [1-9]/);
    expect(metrics.body).toMatch(
      /holdgate_ingest_messages_total\{transport="mqtt",outcome="accepted"\} [1-9]/,
    );
  });
});

describe('embedded broker over WebSocket', () => {
  it('accepts and stores a CFX message sent over ws://', async () => {
    const gw = await startTestGateway({
      mqtt: { embedded: { websocket: { enabled: true, host: '127.0.0.1', port: 0 } } },
    });
    try {
      const port = (gw.gateway as unknown as { broker: { websocketPort: number } }).broker.websocketPort;
      const ws = await connect(`ws://127.0.0.1:${port}`);
      const msg = unitsTested('SN-WS-1', 'Passed');
      await ws.publishAsync(TESTER_TOPIC, JSON.stringify(msg), { qos: 1 });
      await ws.endAsync();
      const db = new Database(gw.dbPath, { readonly: true });
      expect(
        db.prepare('SELECT count(*) AS n FROM events WHERE source_event_id = ?').get(msg.UniqueID),
      ).toEqual({ n: 1 });
      db.close();
    } finally {
      await gw.stop();
    }
  });
});
