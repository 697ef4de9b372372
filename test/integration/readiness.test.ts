/**
 * /readyz (and systemd's READY) mean: the store is open and migrated, the broker listens,
 * the gateway runs. Before start, while stopping and after a failed start it says no.
 */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { Gateway } from '../../src/gateway.js';
import { loadDeviceProfiles } from '../../src/profiles/device-profiles.js';
import { loadRules } from '../../src/config/settings.js';
import { silentLogger } from '../../src/log.js';
import { tempDir, testConfig } from '../helpers/gateway.js';
import { LATEST_VERSION } from '../../src/store/migrations/index.js';

function gatewayOn(dir: string, overrides: Record<string, unknown> = {}): Gateway {
  const config = testConfig(dir, overrides);
  const errors: string[] = [];
  const profiles = loadDeviceProfiles(config.profiles.devices_dir, config.gateway.plant, errors);
  const rules = loadRules(config.containment.rules_file, errors);
  expect(errors).toEqual([]);
  return new Gateway({ config, profiles, rules, log: silentLogger(), processMetrics: false });
}

describe('readiness', () => {
  it('is false before start, true once store, migrations and broker are up, false again while stopping', async () => {
    const tmp = tempDir();
    const gw = gatewayOn(tmp.dir);
    try {
      expect(gw.readiness()).toEqual({
        ready: false,
        checks: { store: false, broker: false, running: false },
      });
      await gw.start();
      expect(gw.readiness()).toEqual({ ready: true, checks: { store: true, broker: true, running: true } });
      expect(gw.store.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      const stopping = gw.stop();
      expect(gw.readiness().ready).toBe(false);
      await stopping;
      expect(gw.readiness().checks).toMatchObject({ store: false, running: false });
    } finally {
      await gw.stop();
      tmp.cleanup();
    }
  });

  it('never becomes ready when the broker cannot listen', async () => {
    const tmp = tempDir();
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    const gw = gatewayOn(tmp.dir, { mqtt: { allow_anonymous: true, embedded: { host: '127.0.0.1', port } } });
    try {
      await expect(gw.start()).rejects.toThrow(/EADDRINUSE/);
      expect(gw.readiness().ready).toBe(false);
    } finally {
      await gw.stop();
      taken.close();
      tmp.cleanup();
    }
  });
});
