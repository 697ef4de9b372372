/**
 * The shipped unit passes `systemd-analyze verify` and scores ≤ 2.0 on
 * `systemd-analyze security --offline=true` (Debian's systemd package).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers/gateway.js';

const UNIT = join(REPO, 'systemd/holdgate.service');

describe('systemd unit', () => {
  it('verifies clean and keeps the exposure score at or below 2.0', () => {
    const tmp = tempDir('holdgate-unit-');
    try {
      // verify checks that ExecStart exists: point a copy at this checkout's launcher.
      const copy = join(tmp.dir, 'holdgate.service');
      writeFileSync(
        copy,
        readFileSync(UNIT, 'utf8').replace(/^ExecStart=\S+/m, `ExecStart=${join(REPO, 'bin/holdgate.js')}`),
      );
      const verify = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', cwd: tmp.dir });
      expect(verify.stderr + verify.stdout).toBe('');
      expect(verify.status).toBe(0);
      const security = spawnSync('systemd-analyze', ['security', '--offline=true', copy], {
        encoding: 'utf8',
      });
      const score = /Overall exposure level for holdgate\.service: ([\d.]+)/.exec(security.stdout);
      expect(score, security.stdout + security.stderr).not.toBeNull();
      expect(Number(score![1])).toBeLessThanOrEqual(2.0);
    } finally {
      tmp.cleanup();
    }
  });

  it('ships a daily backup timer whose service verifies clean, without network, and keeps 14 backups', () => {
    const tmp = tempDir('holdgate-unit-');
    try {
      const service = readFileSync(join(REPO, 'systemd/holdgate-backup.service'), 'utf8');
      writeFileSync(
        join(tmp.dir, 'holdgate-backup.service'),
        service.replace(/^ExecStart=\S+/m, `ExecStart=${join(REPO, 'bin/holdgate.js')}`),
      );
      copyFileSync(join(REPO, 'systemd/holdgate-backup.timer'), join(tmp.dir, 'holdgate-backup.timer'));
      const verify = spawnSync(
        'systemd-analyze',
        ['verify', 'holdgate-backup.service', 'holdgate-backup.timer'],
        {
          encoding: 'utf8',
          cwd: tmp.dir,
        },
      );
      expect(verify.stderr + verify.stdout).toBe('');
      expect(verify.status).toBe(0);
      const security = spawnSync(
        'systemd-analyze',
        ['security', '--offline=true', join(tmp.dir, 'holdgate-backup.service')],
        { encoding: 'utf8' },
      );
      const score = /Overall exposure level for holdgate-backup\.service: ([\d.]+)/.exec(security.stdout);
      expect(Number(score?.[1])).toBeLessThanOrEqual(1.0);
      expect(service).toMatch(
        /^ExecStart=\/usr\/local\/bin\/holdgate backup --dir \/var\/lib\/holdgate\/backups --keep 14 /m,
      );
      for (const line of ['Type=oneshot', 'User=holdgate', 'PrivateNetwork=yes'])
        expect(service.split('\n')).toContain(line);
      const timer = readFileSync(join(REPO, 'systemd/holdgate-backup.timer'), 'utf8').split('\n');
      for (const line of ['OnCalendar=*-*-* 02:30:00', 'Persistent=true', 'WantedBy=timers.target'])
        expect(timer).toContain(line);
    } finally {
      tmp.cleanup();
    }
  });

  it('is a notify service with an empty capability set, and leaves V8 its executable memory', () => {
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'Restart=on-failure',
      'CapabilityBoundingSet=',
      'MemoryDenyWriteExecute=no',
      'ProtectSystem=strict',
      'SupplementaryGroups=dialout',
      'StateDirectory=holdgate',
      'ConfigurationDirectory=holdgate',
      'LogsDirectory=holdgate',
    ])
      expect(unit.split('\n')).toContain(line);
  });
});
