/**
 * scripts/install.sh into a temporary root: every file in place with its mode and group,
 * the system user, the unit enabled; a second install keeps an edited configuration;
 * uninstall keeps configuration and store unless --purge; not root → refused.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers/gateway.js';

const INSTALL = join(REPO, 'scripts/install.sh');
const UNINSTALL = join(REPO, 'scripts/uninstall.sh');
// Any executable stands in for the built one here (the executable has its own test).
const EXE = join(REPO, 'bin/holdgate.js');

const run = (script: string, ...args: string[]) => spawnSync(script, args, { encoding: 'utf8' });
const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);

describe('install.sh', () => {
  it('places every file with its mode, creates the user, enables the unit, and keeps an edited config', () => {
    const tmp = tempDir('holdgate-install-');
    try {
      const root = tmp.dir;
      const first = run(INSTALL, '--root', root, '--exe', EXE);
      expect(first.status, first.stderr).toBe(0);
      const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
      expect(passwd).toMatch(
        /^holdgate:x:\d+:\d+:Holdgate edge gateway:\/var\/lib\/holdgate:\/usr\/sbin\/nologin$/m,
      );
      const gid = Number(/^holdgate:x:(\d+):/m.exec(readFileSync(join(root, 'etc/group'), 'utf8'))![1]);

      expect(mode(join(root, 'usr/local/bin/holdgate'))).toBe('755');
      expect(readFileSync(join(root, 'usr/local/bin/holdgate'))).toEqual(readFileSync(EXE));
      for (const dir of ['etc/holdgate', 'etc/holdgate/devices', 'etc/holdgate/sync']) {
        expect(mode(join(root, dir)), dir).toBe('750');
        expect(statSync(join(root, dir)).gid).toBe(gid);
      }
      for (const file of [
        'etc/holdgate/holdgate.yaml',
        'etc/holdgate/rules.yaml',
        'etc/holdgate/devices/cfx-functional-tester.yaml',
        'etc/holdgate/sync/tryton.yaml',
      ]) {
        expect(mode(join(root, file)), file).toBe('640');
        expect(statSync(join(root, file)).gid, file).toBe(gid);
      }
      expect(readFileSync(join(root, 'etc/holdgate/holdgate.yaml'), 'utf8')).toBe(
        readFileSync(join(REPO, 'config/holdgate.yaml'), 'utf8'),
      );
      expect(mode(join(root, 'etc/systemd/system/holdgate.service'))).toBe('644');
      const wants = join(root, 'etc/systemd/system/multi-user.target.wants/holdgate.service');
      expect(lstatSync(wants).isSymbolicLink()).toBe(true);
      expect(readlinkSync(wants)).toBe('/etc/systemd/system/holdgate.service');
      for (const u of ['holdgate-backup.service', 'holdgate-backup.timer'])
        expect(mode(join(root, 'etc/systemd/system', u)), u).toBe('644');
      expect(readlinkSync(join(root, 'etc/systemd/system/timers.target.wants/holdgate-backup.timer'))).toBe(
        '/etc/systemd/system/holdgate-backup.timer',
      );

      // An upgrade: the plant's edited config and rules stay as they are.
      writeFileSync(join(root, 'etc/holdgate/holdgate.yaml'), 'gateway: { id: line-7 }\n');
      const second = run(INSTALL, '--root', root, '--exe', EXE);
      expect(second.status, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/kept existing .*holdgate\.yaml/);
      expect(readFileSync(join(root, 'etc/holdgate/holdgate.yaml'), 'utf8')).toBe(
        'gateway: { id: line-7 }\n',
      );
      expect(readFileSync(join(root, 'etc/passwd'), 'utf8').match(/^holdgate:/gm)).toHaveLength(1);

      const removed = run(UNINSTALL, '--root', root);
      expect(removed.status, removed.stderr).toBe(0);
      expect(existsSync(join(root, 'usr/local/bin/holdgate'))).toBe(false);
      for (const u of ['holdgate.service', 'holdgate-backup.service', 'holdgate-backup.timer'])
        expect(existsSync(join(root, 'etc/systemd/system', u)), u).toBe(false);
      expect(existsSync(join(root, 'etc/systemd/system/timers.target.wants/holdgate-backup.timer'))).toBe(
        false,
      );
      expect(existsSync(join(root, 'etc/holdgate/holdgate.yaml'))).toBe(true);
      const purged = run(UNINSTALL, '--root', root, '--purge');
      expect(purged.status, purged.stderr).toBe(0);
      expect(existsSync(join(root, 'etc/holdgate'))).toBe(false);
      expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).not.toMatch(/^holdgate:/m);
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses clearly when not run as root', () => {
    const tmp = tempDir('holdgate-install-');
    try {
      const r = spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', INSTALL, '--root', tmp.dir, '--exe', EXE],
        { encoding: 'utf8' },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/must run as root/);
      expect(existsSync(join(tmp.dir, 'etc'))).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });
});
