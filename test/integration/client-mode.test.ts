/**
 * Client mode against Debian's mosquitto as the plant broker: events arrive, and a
 * Holdgate SIGKILLed mid-stream loses nothing mosquitto accepted and duplicates nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startTestGateway, tempDir } from '../helpers/gateway.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { HOLDGATE_BIN, signal, spawnDaemon, writeDaemonConfig, type Daemon } from '../helpers/daemon.js';
import { TESTER_TOPIC, unitsTested } from '../helpers/cfx.js';

describe('client mode (plant broker = mosquitto)', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('receives device messages published to the plant broker and acknowledges after commit', async () => {
    const gw = await startTestGateway({
      mqtt: {
        embedded: { enabled: false },
        client: { enabled: true, url: broker.url, client_id: 'holdgate-it-1' },
      },
    });
    try {
      await expect.poll(() => gw.gateway.readiness().checks.plantBroker, { timeout: 10_000 }).toBe(true);
      const device = await mqtt.connectAsync(broker.url, { clientId: 'fct-dev-1' });
      const msgs = Array.from({ length: 50 }, (_, i) =>
        unitsTested(`SN-CM-${i}`, i === 7 ? 'Failed' : 'Passed'),
      );
      for (const m of msgs) await device.publishAsync(TESTER_TOPIC, JSON.stringify(m), { qos: 1 });
      await device.endAsync();
      const db = new Database(gw.dbPath, { readonly: true });
      const count = () =>
        (
          db.prepare("SELECT count(*) AS n FROM events WHERE transport = 'mqtt-client'").get() as {
            n: number;
          }
        ).n;
      await expect.poll(count, { timeout: 10_000 }).toBe(50);
      expect(db.prepare('SELECT DISTINCT device_id FROM events').all()).toEqual([
        { device_id: 'plant-broker' },
      ]);
      db.close();
    } finally {
      await gw.stop();
    }
  });

  it('loses nothing and duplicates nothing when Holdgate is SIGKILLed mid-stream and restarted', async () => {
    const tmp = tempDir();
    const config = writeDaemonConfig(tmp.dir, {
      mqtt: {
        allow_anonymous: true,
        embedded: { enabled: false },
        client: { enabled: true, url: broker.url, client_id: 'holdgate-kill-test' },
      },
    });
    const daemons: Daemon[] = [];
    const start = () => {
      const d = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', config]);
      daemons.push(d);
      return d;
    };
    try {
      const first = start();
      const { httpPort } = await first.ready;
      // Until Holdgate's first subscription exists, the plant broker has no session to queue into.
      await expect
        .poll(
          async () =>
            (
              (await (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).json()) as {
                checks: Record<string, boolean>;
              }
            ).checks.plantBroker,
          { timeout: 10_000 },
        )
        .toBe(true);
      const dbPath = join(tmp.dir, 'holdgate.db');
      const total = 3000;
      const ids: string[] = [];
      const device = await mqtt.connectAsync(broker.url, { clientId: 'fct-dev-2' });
      // The device keeps publishing to mosquitto throughout; every one of these is acked by mosquitto.
      const publishing = (async () => {
        for (let i = 0; i < total; i++) {
          const m = unitsTested(`SN-KM-${i}`, i % 13 === 0 ? 'Failed' : 'Passed');
          ids.push(m.UniqueID);
          await device.publishAsync(TESTER_TOPIC, JSON.stringify(m), { qos: 1 });
        }
      })();
      const reader = () => new Database(dbPath, { readonly: true, fileMustExist: true });
      await expect
        .poll(
          () => {
            const db = reader();
            try {
              return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
            } finally {
              db.close();
            }
          },
          { timeout: 30_000, interval: 20 },
        )
        .toBeGreaterThan(300);
      signal(first, 'SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      await publishing;
      await device.endAsync();

      const second = start();
      await second.ready;
      const db = reader();
      const count = () => (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
      await expect.poll(count, { timeout: 60_000, interval: 100 }).toBe(total);
      const has = db.prepare('SELECT count(*) AS n FROM events WHERE source_event_id = ?');
      expect(ids.filter((id) => (has.get(id) as { n: number }).n !== 1)).toEqual([]);
      expect(db.prepare('SELECT count(*) AS n FROM dead_letters').get()).toEqual({ n: 0 });
      db.close();
      signal(second, 'SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
    } finally {
      for (const d of daemons) signal(d, 'SIGKILL');
      tmp.cleanup();
    }
  });
});
