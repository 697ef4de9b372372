/**
 * The daemon as a process: kill -9 loses nothing acknowledged, SIGTERM exits 0, and
 * README's quick start brings up a daemon that accepts a CFX message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { tempDir, REPO } from '../helpers/gateway.js';
import { HOLDGATE_BIN, signal, spawnDaemon, writeDaemonConfig, type Daemon } from '../helpers/daemon.js';
import { TESTER_TOPIC, unitsTested } from '../helpers/cfx.js';
import { verifyAuditChain } from '../../src/store/audit-log.js';

const running: Daemon[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const d of running.splice(0)) signal(d, 'SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

function start(config: string): Daemon {
  const d = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', config]);
  running.push(d);
  return d;
}

describe('daemon process', () => {
  it('keeps every acknowledged event and its hold when SIGKILLed mid-burst, and restarts on the same store', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const config = writeDaemonConfig(tmp.dir);
    const first = start(config);
    const { mqttPort } = await first.ready;

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: 'burst',
      reconnectPeriod: 0,
    });
    client.on('error', () => undefined);
    const acked: string[] = [];
    const failed = new Set<string>();
    const total = 5000;
    const killAt = 1500;
    let killed = false;
    await new Promise<void>((resolve) => {
      let settled = 0;
      for (let i = 0; i < total; i++) {
        const msg = unitsTested(`SN-K-${i}`, i % 10 === 0 ? 'Failed' : 'Passed');
        if (i % 10 === 0) failed.add(msg.UniqueID);
        client.publish(TESTER_TOPIC, JSON.stringify(msg), { qos: 1 }, (err) => {
          if (!err) acked.push(msg.UniqueID);
          if (!killed && acked.length >= killAt) {
            killed = true;
            signal(first, 'SIGKILL');
          }
          if (++settled === total) resolve();
        });
      }
      void first.exited.then(() => setTimeout(resolve, 200));
    });
    client.end(true);
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(killAt);
    expect(acked.length).toBeLessThan(total);

    // Restart on the same store: recovery needs no manual step.
    const second = start(config);
    const { httpPort } = await second.ready;
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    expect(ready.status).toBe(200);
    signal(second, 'SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });

    const db = new Database(join(tmp.dir, 'holdgate.db'), { readonly: true });
    const has = db.prepare('SELECT 1 FROM events WHERE source_event_id = ?');
    const missing = acked.filter((id) => !has.get(id));
    const stored = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    // The containment of each acknowledged failure committed with it: its decision, its
    // hold, exactly one ERP row per hold line, and an audit chain without a gap.
    const decision = db.prepare(
      `SELECT d.outcome FROM decisions d JOIN events e ON e.seq = d.event_seq WHERE e.source_event_id = ?`,
    );
    const undecided = acked.filter(
      (id) => failed.has(id) && (decision.get(id) as { outcome: string })?.outcome !== 'HOLD',
    );
    const rowsPerLine = db
      .prepare(
        `SELECT count(o.seq) AS n FROM hold_lines l LEFT JOIN outbox o
           ON o.type = 'HOLD_LINE_PLACED' AND json_extract(o.payload, '$.lineId') = l.id GROUP BY l.id`,
      )
      .all() as { n: number }[];
    const audit = verifyAuditChain(db);
    db.close();
    expect(missing).toEqual([]);
    expect(stored).toBeGreaterThanOrEqual(acked.length);
    expect(undecided).toEqual([]);
    expect(rowsPerLine.length).toBeGreaterThanOrEqual(acked.filter((id) => failed.has(id)).length);
    expect(rowsPerLine.every((r) => r.n === 1)).toBe(true);
    expect(audit).toMatchObject({ ok: true });
  });

  it('exits 0 on SIGTERM with the pending batch committed', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const d = start(writeDaemonConfig(tmp.dir));
    const { mqttPort } = await d.ready;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 });
    const msg = unitsTested('SN-TERM-1', 'Failed');
    await client.publishAsync(TESTER_TOPIC, JSON.stringify(msg), { qos: 1 });
    client.end(true);
    signal(d, 'SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(d.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    const db = new Database(join(tmp.dir, 'holdgate.db'), { readonly: true });
    expect(
      db.prepare('SELECT count(*) AS n FROM events WHERE source_event_id = ?').get(msg.UniqueID),
    ).toEqual({ n: 1 });
    db.close();
  });

  it('exits non-zero with the reason when it cannot start (MQTT port taken)', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    try {
      const d = start(
        writeDaemonConfig(tmp.dir, {
          mqtt: { allow_anonymous: true, embedded: { host: '127.0.0.1', port } },
        }),
      );
      expect((await d.exited).code).toBe(1);
      expect(d.logs.some((l) => l.includes('"level":"fatal"') && l.includes('EADDRINUSE'))).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it("README's quick start (npm start) runs a demo daemon that accepts a CFX message", async () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const block =
      /## Quick start\s+```(?:sh|bash)?\n([\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n') ?? [];
    expect(block).toEqual(['npm ci && npm start', 'npm test']);

    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    // `npm ci` already ran for this suite; the overrides only move ports and the store off fixed places.
    const d = spawnDaemon('npm', [
      'start',
      '--',
      '--set',
      'mqtt.embedded.port=0',
      '--set',
      'http.port=0',
      '--set',
      `store.path=${join(tmp.dir, 'demo.db')}`,
    ]);
    running.push(d);
    const { mqttPort, httpPort } = await d.ready;
    expect(d.logs.some((l) => /"mode":"demo"/.test(l) && /DEMO mode/.test(l))).toBe(true);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 });
    const msg = unitsTested('SN-README-1', 'Failed');
    await client.publishAsync(TESTER_TOPIC, JSON.stringify(msg), { qos: 1 });
    client.end(true);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toMatch(/holdgate_ingest_events_total\{kind="UNITS_TESTED"\} 1/);
    // The signal reaches npm and the daemon (one process group); npm itself ends by the signal.
    signal(d, 'SIGTERM');
    await d.exited;
    // npm may be gone before the daemon's last line: wait for it.
    await expect
      .poll(() => d.logs.some((l) => l.includes('"msg":"stopped"')), { timeout: 10_000 })
      .toBe(true);
  });
});
