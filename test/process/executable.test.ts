/**
 * The single-file executable (npm run build:exe), copied alone into an empty folder: no
 * Node.js install and no node_modules beside it. It answers --version and check-config,
 * runs, ingests one MQTT message into its store (the SQLite addon loaded from its own
 * assets) and exits 0 on SIGTERM; the systemd unit verifies with it as ExecStart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers/gateway.js';
import { signal, spawnDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { TESTER_TOPIC, unitsTested } from '../helpers/cfx.js';

const tmp = tempDir('holdgate-exe-');
const exe = join(tmp.dir, 'holdgate');
// Only what systemd would give it: no PATH to a node binary, no NODE_OPTIONS.
const env = { PATH: '/usr/bin:/bin', HOME: tmp.dir, STATE_DIRECTORY: join(tmp.dir, 'state') };

beforeAll(() => {
  execFileSync('npm', ['run', 'build:exe'], { cwd: REPO, stdio: 'pipe' });
  copyFileSync(join(REPO, 'dist/holdgate'), exe);
  execFileSync('chmod', ['755', exe]);
}, 180_000);
afterAll(() => tmp.cleanup());

describe('single-file executable', () => {
  it('answers --version and check-config from an empty folder', () => {
    const version = spawnSync(exe, ['--version'], { cwd: tmp.dir, env, encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version,
    );
    expect(version.stderr).toBe(''); // no SEA warnings about require()
    const config = writeDaemonConfig(tmp.dir);
    const check = spawnSync(exe, ['check-config', config], { cwd: tmp.dir, env, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    const bad = spawnSync(exe, ['check-config', config, '--set', 'http.port=99999'], {
      cwd: tmp.dir,
      env,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/http\.port/);
    expect(statSync(exe).size).toBeGreaterThan(50 * 2 ** 20);
  });

  it('runs, stores one MQTT message and exits 0 on SIGTERM', async () => {
    const dir = tempDir('holdgate-exe-run-');
    try {
      const config = writeDaemonConfig(dir.dir);
      const d = spawnDaemon(exe, ['run', '--config', config], { cwd: dir.dir, env });
      const { mqttPort } = await d.ready;
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
        clientId: 'exe',
        reconnectPeriod: 0,
      });
      const msg = unitsTested('SN-EXE-1', 'Failed');
      await client.publishAsync(TESTER_TOPIC, JSON.stringify(msg), { qos: 1 });
      await client.endAsync();
      signal(d, 'SIGTERM');
      expect(await d.exited).toEqual({ code: 0, signal: null });
      const db = new Database(join(dir.dir, 'holdgate.db'), { readonly: true });
      expect(
        db.prepare('SELECT count(*) AS n FROM events WHERE source_event_id = ?').get(msg.UniqueID),
      ).toEqual({ n: 1 });
      db.close();
    } finally {
      dir.cleanup();
    }
  });

  it('is what the systemd unit runs: systemd-analyze verify is clean with it as ExecStart', () => {
    const unit = join(tmp.dir, 'holdgate.service');
    writeFileSync(
      unit,
      readFileSync(join(REPO, 'systemd/holdgate.service'), 'utf8').replace(
        /^ExecStart=\S+/m,
        `ExecStart=${exe}`,
      ),
    );
    const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', cwd: tmp.dir });
    expect(verify.stdout + verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });
});
