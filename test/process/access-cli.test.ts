/** `holdgate users add` and `holdgate tokens create|revoke` against a running production daemon. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { tempDir, REPO } from '../helpers/gateway.js';
import { HOLDGATE_BIN, signal, spawnDaemon, writeDaemonConfig, type Daemon } from '../helpers/daemon.js';

describe('access CLI', () => {
  const tmp = tempDir();
  let config: string;
  let daemon: Daemon;
  let base: string;
  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, [HOLDGATE_BIN, ...args, '--config', config], {
      cwd: REPO,
      encoding: 'utf8',
      input,
    });

  beforeAll(async () => {
    config = writeDaemonConfig(tmp.dir, {
      gateway: { mode: 'production' },
      mqtt: { allow_anonymous: false, embedded: { host: '127.0.0.1', port: 0 } },
    });
    daemon = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', config]);
    base = `http://127.0.0.1:${(await daemon.ready).httpPort}`;
  });
  afterAll(async () => {
    signal(daemon, 'SIGTERM');
    await daemon.exited;
    tmp.cleanup();
  });

  it('adds a user, creates a token the running daemon accepts, and revokes it', async () => {
    expect((await fetch(`${base}/api/v1/me`)).status).toBe(401);
    const add = cli(
      [
        'users',
        'add',
        'anna',
        '--name',
        'Anna Berg',
        '--roles',
        'quality_engineer,mrb_member',
        '--plants',
        'PLANT-1',
        '--password-stdin',
      ],
      'correct horse battery\n',
    );
    expect(add.stderr).toBe('');
    expect(add.stdout).toMatch(/user anna added \(roles: quality_engineer, mrb_member\)/);
    const bad = cli(['users', 'add', 'bob', '--roles', 'boss']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--roles: boss is not a role/);

    const created = cli(['tokens', 'create', '--name', 'anna-laptop', '--user', 'anna']);
    expect(created.status).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^hgt_[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
    const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({
      kind: 'token',
      username: 'anna',
      roles: ['quality_engineer', 'mrb_member'],
      plants: ['PLANT-1'],
    });

    const id = /^hgt_([0-9a-f]{12})\./.exec(token)![1]!;
    expect(cli(['tokens', 'revoke', id]).stdout).toMatch(/revoked/);
    expect((await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      401,
    );
    // The CLI's changes are in the same audit chain as the daemon's.
    const verify = spawnSync(process.execPath, [HOLDGATE_BIN, 'audit', 'verify', '--config', config], {
      cwd: REPO,
      encoding: 'utf8',
    });
    expect(verify.status).toBe(0);
  });
});
