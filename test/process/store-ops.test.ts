/**
 * Operations on the store as plant IT runs them: a backup taken during ingest restores to
 * a store holding everything acknowledged before it began (with a new store id); restore
 * and migrate refuse while the daemon runs; a second daemon on the same store is refused;
 * status reports readiness, queue and devices with exit codes a script can use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/gateway.js';
import { HOLDGATE_BIN, signal, spawnDaemon, writeDaemonConfig, type Daemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/mosquitto.js';
import { TESTER_TOPIC, unitsTested } from '../helpers/cfx.js';

const exec = promisify(execFile);
const running: Daemon[] = [];
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const d of running.splice(0)) signal(d, 'SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

/** Runs the CLI without blocking this process (the publisher keeps going meanwhile). */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [HOLDGATE_BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function setup() {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const config = writeDaemonConfig(tmp.dir, { http: { host: '127.0.0.1', port: await freePort() } });
  const start = () => {
    const d = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', config]);
    running.push(d);
    return d;
  };
  return { dir: tmp.dir, config, store: join(tmp.dir, 'holdgate.db'), start };
}

const storeId = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT value FROM store_meta WHERE key = 'store_id'").get() as { value: string })
      .value;
  } finally {
    db.close();
  }
};

describe('store operations', () => {
  it('backs up during ingest and restores everything acknowledged before the backup began, with a new store id', async () => {
    const { dir, config, store, start } = await setup();
    const daemon = start();
    const { mqttPort } = await daemon.ready;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: 'tester',
      reconnectPeriod: 0,
    });
    const acked: string[] = [];
    let publishing = true;
    let n = 0;
    const publisher = (async () => {
      while (publishing) {
        const msg = unitsTested(`SN-B-${n++}`, n % 20 === 0 ? 'Failed' : 'Passed');
        await client.publishAsync(TESTER_TOPIC, JSON.stringify(msg), { qos: 1 });
        acked.push(msg.UniqueID);
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const before = [...acked];
    const backup = join(dir, 'backup.db');
    const taken = await cli('backup', backup, '--config', config);
    publishing = false;
    await publisher;
    await client.endAsync();
    expect(taken.code, taken.stderr).toBe(0);
    expect(taken.stdout).toMatch(/backup written/);
    expect(before.length).toBeGreaterThan(50);
    expect(acked.length).toBeGreaterThan(before.length); // ingest went on during the backup

    // Restore refuses while the daemon runs, and leaves the store alone.
    const refused = await cli('restore', backup, '--config', config);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/running on .*stop it first/);
    const migrateRefused = await cli('migrate', '--config', config);
    expect(migrateRefused.code).toBe(1);

    signal(daemon, 'SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    const original = storeId(store);
    // The service's user owns the store; a restore run by root must keep it so.
    chownSync(store, 65534, 65534);
    const restored = await cli('restore', backup, '--config', config);
    expect(restored.code, restored.stderr).toBe(0);
    expect(statSync(store)).toMatchObject({ uid: 65534, gid: 65534 });
    const db = new Database(store, { readonly: true });
    const has = db.prepare('SELECT 1 FROM events WHERE source_event_id = ?');
    expect(before.filter((id) => !has.get(id))).toEqual([]);
    const audit = db.prepare(`SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1`).get();
    db.close();
    expect(audit).toEqual({ action: 'STORE_RESTORED' });
    expect(storeId(store)).not.toBe(original);
    expect((await cli('audit', 'verify', '--config', config)).code).toBe(0);
    expect((await cli('migrate', '--config', config)).stdout).toMatch(/is current/);

    // The restored store runs.
    const again = start();
    await again.ready;
    signal(again, 'SIGTERM');
    expect(await again.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('keeps the newest N of rotated backups and never leaves a half-written one under a backup name', async () => {
    const { dir, config, start } = await setup();
    const daemon = start();
    await daemon.ready;
    const backups = join(dir, 'backups');
    mkdirSync(backups);
    // Left by an interrupted run: removed by the next one.
    writeFileSync(join(backups, 'holdgate-20260101T000000Z.db.partial'), 'half');
    for (let i = 0; i < 3; i++) {
      const r = await cli('backup', '--dir', backups, '--keep', '2', '--config', config);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^backup written: .*holdgate-\d{8}T\d{6}Z(-\d+)?\.db \(/);
    }
    const kept = readdirSync(backups).sort();
    expect(kept).toHaveLength(2);
    for (const name of kept) {
      expect(name).toMatch(/^holdgate-\d{8}T\d{6}Z(-\d+)?\.db$/);
      expect(storeId(join(backups, name))).toBe(storeId(join(dir, 'holdgate.db')));
    }
    expect((await cli('backup', '--dir', backups, '--keep', '0', '--config', config)).code).toBe(2);
    expect((await cli('backup', join(dir, 'x.db'), '--dir', backups, '--config', config)).code).toBe(2);
  });

  it('refuses a second daemon on the same store; status reports and exits 0 running, 3 stopped', async () => {
    const { config, start, dir } = await setup();
    const daemon = start();
    const { mqttPort } = await daemon.ready;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      clientId: 'tester',
      reconnectPeriod: 0,
    });
    await client.publishAsync(TESTER_TOPIC, JSON.stringify(unitsTested('SN-S-1', 'Passed')), { qos: 1 });
    await client.publishAsync(TESTER_TOPIC, JSON.stringify(unitsTested('SN-S-2', 'Failed')), { qos: 1 });
    await client.endAsync();
    // Where the shipped timer writes: beside the store.
    expect((await cli('backup', '--dir', join(dir, 'backups'), '--config', config)).code).toBe(0);

    const second = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', config]);
    running.push(second);
    expect((await second.exited).code).toBe(1);
    expect(second.stderr() + second.logs.join('\n')).toMatch(/HG_STORE_IN_USE|used by another Holdgate/);

    const status = await cli('status', '--config', config, '--json');
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      running: true,
      pid: daemon.proc.pid,
      ready: true,
      health: { status: 'ok' },
      store: { schema: expect.any(Number), bytes: expect.any(Number) },
    });
    expect(report.devices).toEqual([expect.objectContaining({ events: 2 })]);
    expect(report.holds).toEqual({ active: 1, activeLines: 1, openErpConflicts: 0 });
    expect(report.backups).toMatchObject({ dir: join(dir, 'backups'), count: 1, ageHours: 0 });
    const text = (await cli('status', '--config', config)).stdout;
    expect(text).toMatch(/running \(pid \d+\), ready/);
    expect(text).toMatch(/holds: 1 active \(1 lines\), 0 open ERP conflicts/);
    expect(text).toMatch(/backups: 1 in .*backups, newest holdgate-\d{8}T\d{6}Z\.db \(0 h old\)/);

    signal(daemon, 'SIGTERM');
    await daemon.exited;
    const stopped = await cli('status', '--config', config);
    expect(stopped.code).toBe(3);
    expect(stopped.stdout).toMatch(/not running/);
  }, 60_000);
});
