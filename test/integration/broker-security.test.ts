/**
 * Device security on the embedded broker: per-device scrypt credentials, topic ACLs,
 * TLS. Production mode, real mqtt.js clients, certificates made with openssl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestGateway, tempDir } from '../helpers/gateway.js';
import { TESTER_TOPIC, unitsTested } from '../helpers/cfx.js';
import { hashPassword } from '../../src/ingest/mqtt/credentials.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

/** Connects, or resolves with what refused the connection (an error, a CONNACK code, a close). */
function tryConnect(
  url: string,
  opts: IClientOptions,
): Promise<{ client?: MqttClient; error?: Error & { code?: number } }> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });
    const fail = (error: Error & { code?: number }) => {
      c.end(true);
      resolve({ error });
    };
    c.once('connect', () => resolve({ client: c }));
    c.once('error', fail);
    c.once('close', () => fail(new Error('connection closed before CONNACK')));
  });
}

describe('embedded broker security (production mode)', () => {
  let gw: TestGateway;
  const logs: Record<string, unknown>[] = [];
  const certs = tempDir('holdgate-tls-');

  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        join(certs.dir, 'key.pem'),
        '-out',
        join(certs.dir, 'cert.pem'),
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const [fct, aoi] = await Promise.all([hashPassword('fct1-secret'), hashPassword('aoi1-secret')]);
    gw = await startTestGateway(
      {
        gateway: { mode: 'production' },
        mqtt: {
          allow_anonymous: false,
          embedded: {
            tls: {
              enabled: true,
              host: '127.0.0.1',
              port: 0,
              cert_file: join(certs.dir, 'cert.pem'),
              key_file: join(certs.dir, 'key.pem'),
            },
          },
          devices: [
            {
              id: 'fct1',
              password_hash: fct,
              publish: ['cfx/+/+/tester/FCT1'],
              subscribe: ['holdgate/reply/fct1/#'],
            },
            { id: 'aoi1', password_hash: aoi, publish: ['cfx/{plant}/{line}/aoi/AOI1'] },
          ],
        },
      },
      { logs },
    );
  });

  afterAll(async () => {
    await gw.stop();
    certs.cleanup();
  });

  it('refuses anonymous clients, unknown users and wrong passwords', async () => {
    const anon = await tryConnect(gw.mqttUrl, {});
    expect(anon.error?.code).toBe(5);
    const unknown = await tryConnect(gw.mqttUrl, { username: 'nobody', password: 'x' });
    expect(unknown.error?.code).toBe(4);
    const wrong = await tryConnect(gw.mqttUrl, { username: 'fct1', password: 'aoi1-secret' });
    expect(wrong.error?.code).toBe(4);
    expect(logs.some((l) => l.username === 'fct1' && /bad username or password/.test(String(l.msg)))).toBe(
      true,
    );
  });

  it('admits a device with its credentials and records events under its id', async () => {
    const { client } = await tryConnect(gw.mqttUrl, {
      username: 'fct1',
      password: 'fct1-secret',
      clientId: 'whatever-1',
    });
    const msg = unitsTested('SN-SEC-1', 'Passed');
    await client!.publishAsync(TESTER_TOPIC, JSON.stringify(msg), { qos: 1 });
    await client!.endAsync();
    const db = new Database(gw.dbPath, { readonly: true });
    expect(db.prepare('SELECT device_id FROM events WHERE source_event_id = ?').get(msg.UniqueID)).toEqual({
      device_id: 'fct1',
    });
    db.close();
  });

  it('refuses a publish outside the device ACL, stores nothing, logs the attempt', async () => {
    const { client } = await tryConnect(gw.mqttUrl, { username: 'aoi1', password: 'aoi1-secret' });
    const closed = new Promise<void>((resolve) => client!.once('close', () => resolve()));
    const msg = unitsTested('SN-SEC-2', 'Failed');
    // aoi1 may publish only on its AOI topic; the tester topic is someone else's.
    client!.publish(TESTER_TOPIC, JSON.stringify(msg), { qos: 1 });
    await closed;
    client!.end(true);
    const db = new Database(gw.dbPath, { readonly: true });
    expect(
      db.prepare('SELECT count(*) AS n FROM events WHERE source_event_id = ?').get(msg.UniqueID),
    ).toEqual({ n: 0 });
    db.close();
    expect(
      logs.some(
        (l) => l.device === 'aoi1' && l.topic === TESTER_TOPIC && /publish refused/.test(String(l.msg)),
      ),
    ).toBe(true);
    expect((await gw.gateway.http.inject('/metrics')).body).toMatch(
      /holdgate_mqtt_refused_total\{action="publish"\} 1/,
    );
  });

  it('grants subscriptions inside the ACL and refuses the rest', async () => {
    const { client } = await tryConnect(gw.mqttUrl, { username: 'fct1', password: 'fct1-secret' });
    // mqtt.js rejects a SUBACK holding a failure code; the packet still says what was granted.
    const suback = await client!
      .subscribeAsync(['holdgate/reply/fct1/+', 'holdgate/reply/aoi1/#', '#'], { qos: 1 })
      .then(
        () => undefined,
        (err: { packet?: { granted: number[] } }) => err.packet,
      );
    await client!.endAsync();
    expect(suback?.granted).toEqual([1, 128, 128]);
  });

  it('speaks TLS on the TLS port, and a plain connection to that port fails', async () => {
    const port = gw.gateway.mqttTlsPort!;
    const ca = readFileSync(join(certs.dir, 'cert.pem'));
    const { client, error } = await tryConnect(`mqtts://localhost:${port}`, {
      username: 'fct1',
      password: 'fct1-secret',
      ca,
    });
    expect(error).toBeUndefined();
    const msg = unitsTested('SN-TLS-1', 'Passed');
    await client!.publishAsync(TESTER_TOPIC, JSON.stringify(msg), { qos: 1 });
    await client!.endAsync();
    const plain = await tryConnect(`mqtt://127.0.0.1:${port}`, {
      username: 'fct1',
      password: 'fct1-secret',
      connectTimeout: 1500,
    });
    expect(plain.client).toBeUndefined();
    expect(plain.error).toBeDefined();
    const db = new Database(gw.dbPath, { readonly: true });
    expect(
      db.prepare('SELECT count(*) AS n FROM events WHERE source_event_id = ?').get(msg.UniqueID),
    ).toEqual({ n: 1 });
    db.close();
  });
});
