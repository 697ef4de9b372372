/** Interlocks over MQTT request/response, with device ACLs, in production mode. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { startTestGateway } from '../../helpers/gateway.js';
import { seedPlant, at, holdLot } from '../../helpers/plant.js';
import { hashPassword } from '../../../src/ingest/mqtt/credentials.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('interlocks over MQTT', () => {
  let gw: TestGateway;
  let station: MqttClient;
  const replies: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const hash = await hashPassword('station-secret');
    gw = await startTestGateway({
      gateway: { mode: 'production' },
      mqtt: {
        allow_anonymous: false,
        devices: [
          {
            id: 'pack1',
            password_hash: hash,
            publish: ['holdgate/interlock/request/+'],
            subscribe: ['holdgate/interlock/reply/pack1'],
          },
          {
            id: 'pack2',
            password_hash: hash,
            publish: ['holdgate/interlock/request/+'],
            subscribe: ['holdgate/interlock/reply/pack2'],
          },
        ],
      },
    });
    await gw.gateway.command(seedPlant);
    await gw.gateway.command((r) => holdLot(r, 'L1-A', { at: at(1), reason: 'solder voids on L1-A' }));
    station = await mqtt.connectAsync(gw.mqttUrl, {
      username: 'pack1',
      password: 'station-secret',
      clientId: 'pack1',
    });
    station.on('message', (_t, p) => replies.push(JSON.parse(p.toString())));
    await station.subscribeAsync('holdgate/interlock/reply/pack1', { qos: 1 });
  });
  afterAll(async () => {
    await station.endAsync();
    await gw.stop();
  });

  const ask = async (payload: unknown) => {
    const n = replies.length;
    await station.publishAsync('holdgate/interlock/request/pack1', JSON.stringify(payload), { qos: 1 });
    await expect.poll(() => replies.length).toBe(n + 1);
    return replies[n]!;
  };

  it('answers one question with the blocking holds and their reasons', async () => {
    const reply = await ask({ correlationId: 'c-1', serial: 'SN-004', operation: 'ship' });
    expect(reply).toMatchObject({
      correlationId: 'c-1',
      answer: {
        allowed: false,
        code: 'BLOCKED',
        blocking: [{ holdType: 'QUALITY', reason: 'solder voids on L1-A', lotId: 'L1-A' }],
      },
    });
  });

  it('answers a batch in order, and says what is wrong with a bad request', async () => {
    const reply = await ask({
      correlationId: 'c-2',
      checks: [
        { serial: 'SN-004', operation: 'transfer' },
        { lot: 'L1-A', operation: 'consume' },
        { serial: 'SN-015', operation: 'ship' },
      ],
    });
    expect((reply.answers as { code: string }[]).map((a) => a.code)).toEqual([
      'ALLOWED',
      'BLOCKED',
      'ALLOWED',
    ]);
    const bad = await ask({ correlationId: 'c-3', serial: 'SN-004', operation: 'sell' });
    expect(bad).toMatchObject({
      correlationId: 'c-3',
      error: {
        code: 'HG_VALIDATION',
        issues: ['operation: must be one of consume, ship, pick, transfer, reserve'],
      },
    });
  });

  it('applies ACLs: no asking as another device, no reading another device’s replies', async () => {
    const granted = await station.subscribeAsync('holdgate/interlock/reply/pack2', { qos: 1 }).then(
      () => 'granted',
      (err: { packet?: { granted: number[] } }) => err.packet?.granted[0],
    );
    expect(granted).toBe(128);
    const other = await mqtt.connectAsync(gw.mqttUrl, {
      username: 'pack2',
      password: 'station-secret',
      clientId: 'pack2',
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((resolve) => other.once('close', () => resolve()));
    other.publish(
      'holdgate/interlock/request/pack1',
      JSON.stringify({ correlationId: 'x', serial: 'SN-004', operation: 'ship' }),
      { qos: 1 },
    );
    await closed;
    other.end(true);
    expect((await gw.gateway.http.inject('/metrics')).body).toMatch(
      /holdgate_mqtt_refused_total\{action="(publish|subscribe)"\} [1-9]/,
    );
  });
});
