/** A real gateway for tests: temp SQLite file, broker and HTTP on port 0, the shipped profiles. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gateway } from '../../src/gateway.js';
import { validateConfig, deepMerge } from '../../src/config/load.js';
import { loadDeviceProfiles } from '../../src/profiles/device-profiles.js';
import { loadRules } from '../../src/config/settings.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { Writable } from 'node:stream';
import type { Config } from '../../src/config/schema.js';
import { syncTargetSchema, type SyncTarget } from '../../src/profiles/sync-schema.js';

/** A sync target profile for tests, with the schema's defaults. */
export function syncTarget(spec: Record<string, unknown>): SyncTarget {
  return syncTargetSchema.parse(spec);
}

export const REPO = join(import.meta.dirname, '..', '..');

export function tempDir(prefix = 'holdgate-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `fn` with a fresh temporary folder and removes the folder afterwards. */
export function inTempDir<T>(fn: (dir: string) => T): T {
  const tmp = tempDir();
  try {
    return fn(tmp.dir);
  } finally {
    tmp.cleanup();
  }
}

export function testConfig(dir: string, overrides: Record<string, unknown> = {}): Config {
  const base = {
    gateway: { mode: 'demo' },
    log: { level: 'silent' },
    store: { path: join(dir, 'holdgate.db') },
    mqtt: { allow_anonymous: true, embedded: { host: '127.0.0.1', port: 0 } },
    http: { host: '127.0.0.1', port: 0 },
    profiles: { devices_dir: join(REPO, 'devices') },
    containment: { rules_file: join(REPO, 'config', 'rules.yaml') },
  };
  const { config, errors } = validateConfig(deepMerge(base, overrides));
  if (!config) throw new Error(`test config invalid: ${errors.join('; ')}`);
  return config;
}

/** A pino logger whose JSON lines land in `lines` (for asserting on what was logged). */
export function capturingLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return createLogger('debug', sink);
}

export async function startTestGateway(
  overrides: Record<string, unknown> = {},
  opts: { logs?: Record<string, unknown>[]; targets?: SyncTarget[] } = {},
) {
  const tmp = tempDir();
  const config = testConfig(tmp.dir, overrides);
  const errors: string[] = [];
  const profiles = loadDeviceProfiles(config.profiles.devices_dir, config.gateway.plant, errors);
  if (errors.length) throw new Error(errors.join('\n'));
  const rules = loadRules(config.containment.rules_file, errors);
  if (errors.length) throw new Error(errors.join('\n'));
  const log = opts.logs ? capturingLogger(opts.logs) : silentLogger();
  const gateway = new Gateway({ config, profiles, rules, targets: opts.targets, log, processMetrics: false });
  await gateway.start();
  return {
    gateway,
    dir: tmp.dir,
    dbPath: config.store.path,
    mqttUrl: `mqtt://127.0.0.1:${gateway.mqttPort}`,
    async stop() {
      await gateway.stop();
      tmp.cleanup();
    },
  };
}
