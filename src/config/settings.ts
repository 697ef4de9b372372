/**
 * Everything the daemon reads at start — the config file, its overlays and every
 * device profile — validated together, so one run reports every problem at once.
 */
import { configError, readRawConfig, validateConfig, type LoadConfigOptions } from './load.js';
import { configSchema, type Config } from './schema.js';
import { loadDeviceProfiles, type DeviceProfiles } from '../profiles/device-profiles.js';

export interface Settings {
  config: Config;
  profiles: DeviceProfiles;
}

function rawString(raw: unknown, ...path: string[]): string | undefined {
  let cur = raw;
  for (const key of path)
    cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[key] : undefined;
  return typeof cur === 'string' ? cur : undefined;
}

export function loadSettings(opts: LoadConfigOptions): Settings {
  const errors: string[] = [];
  const raw = readRawConfig(opts, errors);
  const result = errors.length === 0 ? validateConfig(raw) : { config: undefined, errors: [] };
  errors.push(...result.errors);
  // Profiles are checked even when the config has problems, so a second run does not
  // reveal new ones; the folder comes from the raw file if validation failed.
  const defaults = configSchema.parse({ gateway: { mode: 'demo' } });
  const dir =
    result.config?.profiles.devices_dir ??
    rawString(raw, 'profiles', 'devices_dir') ??
    defaults.profiles.devices_dir;
  const plant = result.config?.gateway.plant ?? rawString(raw, 'gateway', 'plant') ?? defaults.gateway.plant;
  const profiles = loadDeviceProfiles(dir, plant, errors);
  if (errors.length > 0 || !result.config) throw configError(errors);
  return { config: result.config, profiles };
}
