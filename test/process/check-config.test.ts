/** `holdgate check-config` as a user runs it: every problem at once, non-zero exit. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../helpers/gateway.js';
import { HOLDGATE_BIN } from '../helpers/daemon.js';

function cli(...args: string[]) {
  return spawnSync(process.execPath, [HOLDGATE_BIN, ...args], { cwd: REPO, encoding: 'utf8' });
}

describe('holdgate check-config', () => {
  it('accepts the shipped demo configuration', () => {
    const r = cli('check-config', 'config/holdgate.yaml', '--overlay', 'config/demo.yaml');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /valid \(mode demo, 3 device profiles: cfx-aoi, cfx-functional-tester, vision-json\)/,
    );
  });

  it('lists every problem in the config and in the profiles at once, then exits 2', () => {
    const tmp = tempDir();
    try {
      const devices = join(tmp.dir, 'devices');
      mkdirSync(devices);
      writeFileSync(
        join(devices, 'bad.yaml'),
        'id: Bad Id\nformat: cfx\ntopics: ["cfx/#/x"]\ncontext: { line: "{line}" }\ncfx: { messages: [UnitsReworked] }\n',
      );
      writeFileSync(join(devices, 'json.yaml'), 'id: cam\nformat: json\ntopics: ["cam/{line}"]\n');
      const file = join(tmp.dir, 'holdgate.yaml');
      writeFileSync(
        file,
        [
          'gateway: { mode: production, plantt: X }',
          'store: { synchronous: off }',
          'mqtt: { allow_anonymous: true, embedded: { port: 70000 } }',
          `profiles: { devices_dir: ${devices} }`,
        ].join('\n'),
      );
      const r = cli('check-config', file);
      expect(r.status).toBe(2);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('  - '));
      const expected = [
        /gateway: unknown key 'plantt' \(remove it or check the spelling\)/,
        /store\.synchronous: must be full or normal/,
        /mqtt\.embedded\.port: must be 0\.\.65535/,
        /mqtt\.allow_anonymous: anonymous devices are allowed only in demo mode/,
        /bad\.yaml: id: use lower-case letters/,
        /bad\.yaml: topics\[0\]: '#' may only be the last level/,
        /bad\.yaml: cfx\.messages\[0\]: is not a CFX message Holdgate reads/,
        /json\.yaml: json: is required for format json/,
      ];
      for (const re of expected)
        expect(
          lines.some((l) => re.test(l)),
          `missing ${re}`,
        ).toBe(true);
      expect(r.stderr).toMatch(/HG_CONFIG_INVALID/);
    } finally {
      tmp.cleanup();
    }
  });

  it('reports YAML syntax errors with file, line and column', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'broken.yaml');
      writeFileSync(file, 'gateway:\n  id: [unclosed\n');
      const r = cli('check-config', file);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+:\\d+: .*\\(fix the YAML syntax\\)`),
      );
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses to run with an invalid config (exit 2, nothing started)', () => {
    const r = cli('run', '--config', '/nonexistent/holdgate.yaml');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Refusing to start: configuration is not valid/);
    expect(r.stderr).toMatch(/\/nonexistent\/holdgate\.yaml: cannot be read \(ENOENT; check the path\)/);
  });
});
