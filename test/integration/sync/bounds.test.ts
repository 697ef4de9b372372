/**
 * Backlog bounds: at the hard bound new MQTT publishes get no PUBACK (the connection is
 * closed) and API writes get 503, the daemon stays up, nothing queued is dropped, and
 * ingest resumes when the ERP comes back and the backlog drains.
 */
import { describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startTestGateway, syncTarget } from '../../helpers/gateway.js';
import { startReceiver } from '../../helpers/receiver.js';
import { freePort } from '../../helpers/mosquitto.js';
import { seedPlant } from '../../helpers/plant.js';
import { unitsTested } from '../../helpers/cfx.js';
import { client } from '../../helpers/api.js';

const TOPIC = 'cfx/PLANT-1/L1/tester/L1-FCT';

describe('backlog bounds', () => {
  it('refuses new work at the hard bound and resumes when the backlog drains', async () => {
    const port = await freePort();
    const gw = await startTestGateway(
      {
        sync: { bounds: { soft_rows: 2, hard_rows: 3, check_ms: 100 } },
        notifications: { recipients: [{ role: 'plant_manager', mqtt: true }] },
      },
      {
        targets: [
          syncTarget({
            id: 'erp',
            kind: 'rest',
            url: `http://127.0.0.1:${port}/tx`,
            types: ['HOLD_LINE_PLACED'],
            timeout_ms: 500,
            retry: { base_ms: 50, max_ms: 200 },
            circuit: { failures: 1000, open_ms: 100 },
          }),
        ],
      },
    );
    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
    try {
      await gw.gateway.command(seedPlant);
      const dev = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'fct-bounds', reconnectPeriod: 0 });
      // Three failing units in three lots: three holds, three rows the ERP (down) must see.
      for (const sn of ['SN-001', 'SN-011', 'SN-021'])
        await dev.publishAsync(TOPIC, JSON.stringify(unitsTested(sn, 'Failed')), { qos: 1 });
      await expect.poll(() => gw.gateway.backlogState?.level, { timeout: 5000 }).toBe('hard');
      expect((await gw.gateway.http.inject('/metrics')).body).toMatch(/holdgate_backlog_level 2/);

      // The next publish is not acknowledged: the broker closes the connection instead.
      const refused = unitsTested('SN-002', 'Failed');
      const outcome = await new Promise<string>((resolve) => {
        dev.once('close', () => resolve('closed'));
        dev.publish(TOPIC, JSON.stringify(refused), { qos: 1 }, (err) =>
          resolve(err ? `error: ${err.message}` : 'acked'),
        );
      });
      expect(outcome).not.toBe('acked');
      dev.end(true);
      const db = gw.gateway.store.db;
      expect(
        db.prepare('SELECT count(*) AS n FROM events WHERE source_event_id = ?').get(refused.UniqueID),
      ).toEqual({ n: 0 });
      // The daemon stays up: health, reads and interlocks answer; writes are refused.
      expect((await gw.gateway.http.inject('/healthz')).statusCode).toBe(200);
      expect(gw.gateway.interlocks.check({ serial: 'SN-001' }, 'ship').allowed).toBe(false);
      const write = await client(gw.gateway).post('/api/v1/holds', {
        type: 'QUALITY',
        reason: 'manual check',
        lots: ['REEL-C14'],
      });
      expect(write.statusCode).toBe(503);
      expect(write.json().error.code).toBe('HG_BACKLOG_FULL');
      expect((await client(gw.gateway).get('/api/v1/sync/status')).json().backlog).toMatchObject({
        level: 'hard',
        rows: 3,
      });
      expect(
        db
          .prepare("SELECT payload FROM outbox WHERE type = 'NOTIFY'")
          .all()
          .map((r) => JSON.parse((r as { payload: string }).payload).event.type),
      ).toContain('BACKLOG_LEVEL');

      // The ERP comes back: the backlog drains, nothing was dropped, ingest resumes.
      receiver = await startReceiver(() => ({ status: 200 }), port);
      await expect.poll(() => receiver!.applied().length, { timeout: 10_000 }).toBe(3);
      await expect.poll(() => gw.gateway.backlogState?.level, { timeout: 5000 }).toBe('ok');
      const again = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'fct-bounds-2', reconnectPeriod: 0 });
      await again.publishAsync(TOPIC, JSON.stringify(refused), { qos: 1 });
      await again.endAsync();
      expect(
        db.prepare('SELECT count(*) AS n FROM events WHERE source_event_id = ?').get(refused.UniqueID),
      ).toEqual({ n: 1 });
    } finally {
      await gw.stop();
      await receiver?.close();
    }
  });
  it("alarms when the store's disk runs low and refuses new work below the minimum", async () => {
    // Bounds far above any real disk, so this machine's free space crosses them.
    const soft = await startTestGateway({ sync: { bounds: { soft_free_disk_mb: 1e9, check_ms: 100 } } });
    try {
      expect(soft.gateway.backlogState).toMatchObject({ level: 'soft', cause: 'disk' });
      expect(soft.gateway.backlogState?.reason).toMatch(
        /MB free on the store's disk \(alarm below 1000000000/,
      );
      const metrics = (await soft.gateway.http.inject('/metrics')).body;
      expect(metrics).toMatch(/holdgate_backlog_level 1/);
      expect(Number(/holdgate_store_disk_free_bytes (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
      expect(Number(/holdgate_store_bytes\{file="db"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
      expect(metrics).toMatch(/holdgate_store_bytes\{file="wal"\} \d+/);
      // Past the soft bound work still goes on.
      const dev = await mqtt.connectAsync(soft.mqttUrl, { clientId: 'fct-disk-soft', reconnectPeriod: 0 });
      await dev.publishAsync(TOPIC, JSON.stringify(unitsTested('SN-DISK-1', 'Passed')), { qos: 1 });
      await dev.endAsync();
    } finally {
      await soft.stop();
    }

    const hard = await startTestGateway({ sync: { bounds: { min_free_disk_mb: 1e9, check_ms: 100 } } });
    try {
      expect(hard.gateway.backlogState).toMatchObject({ level: 'hard', cause: 'disk' });
      const write = await client(hard.gateway).post('/api/v1/holds', {
        type: 'QUALITY',
        reason: 'manual check',
        lots: ['LOT-1'],
      });
      expect(write.statusCode).toBe(503);
      expect(write.json().error.message).toMatch(
        /^new work is refused: only \d+ MB free on the store's disk \(new work is refused below 1000000000\)/,
      );
    } finally {
      await hard.stop();
    }
  });
});
