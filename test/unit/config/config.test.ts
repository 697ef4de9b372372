import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadConfig, validateConfig } from '../../../src/config/load.js';
import { REPO } from '../../helpers/gateway.js';

describe('config', () => {
  it('fills every default from the schema', () => {
    const { config } = validateConfig({});
    expect(config).toMatchObject({
      gateway: { mode: 'production', id: 'holdgate-01' },
      store: { synchronous: 'full', batch_window_ms: 0 },
      mqtt: { allow_anonymous: false, embedded: { port: 1883, websocket: { enabled: false } } },
      http: { host: '127.0.0.1', port: 8080 },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('production default denies anonymous devices; the demo overlay allows them', () => {
    const prod = loadConfig({ file: join(REPO, 'config/holdgate.yaml') });
    expect(prod.gateway.mode).toBe('production');
    expect(prod.mqtt.allow_anonymous).toBe(false);
    const demo = loadConfig({
      file: join(REPO, 'config/holdgate.yaml'),
      overlays: [join(REPO, 'config/demo.yaml')],
    });
    expect(demo).toMatchObject({
      gateway: { mode: 'demo' },
      mqtt: { allow_anonymous: true },
      store: { path: './data/holdgate.db' },
    });
  });

  it('applies --set values as YAML and reports every problem at once', () => {
    const ok = loadConfig({
      file: join(REPO, 'config/holdgate.yaml'),
      sets: ['http.port=0', 'log.level=debug'],
    });
    expect(ok.http.port).toBe(0);
    expect(() =>
      loadConfig({
        file: join(REPO, 'config/holdgate.yaml'),
        sets: ['http.port=x', 'mqtt.allow_anonymous=true', 'bogus'],
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'HG_CONFIG_INVALID',
        details: ['--set bogus: expected path=value (e.g. --set http.port=0)'],
      }),
    );
    const { errors } = validateConfig({ http: { port: 'x' }, mqtt: { allow_anonymous: true } });
    expect(errors).toEqual([
      'http.port: expected number, got string (set it to a number)',
      'mqtt.allow_anonymous: anonymous devices are allowed only in demo mode (set it to false and give devices credentials)',
    ]);
  });
});
