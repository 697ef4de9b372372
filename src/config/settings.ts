/**
 * Everything the daemon reads at start — the config file, its overlays and every
 * device profile — validated together, so one run reports every problem at once.
 */
import { configError, readRawConfig, readYamlFile, validateConfig, type LoadConfigOptions } from './load.js';
import { formatIssues } from './issues.js';
import { compileRuleSet, ruleSetSchema, type RuleSet } from '../holds/rules.js';
import { configSchema, type Config } from './schema.js';
import { loadDeviceProfiles, type DeviceProfiles } from '../profiles/device-profiles.js';
import { accessSync, constants, existsSync } from 'node:fs';
import { readProfileDir } from '../profiles/profile-dir.js';
import { syncTargetSchema, type SyncTarget } from '../profiles/sync-schema.js';
import { resolveSecret } from './secrets.js';

export interface Settings {
  config: Config;
  profiles: DeviceProfiles;
  rules: RuleSet;
  targets: SyncTarget[];
}

/** Sync targets; an absent folder simply means none (a fresh install syncs nowhere yet). */
export function loadSyncTargets(dir: string, errors: string[]): SyncTarget[] {
  if (!existsSync(dir)) return [];
  return readProfileDir(dir, syncTargetSchema, 'profiles.sync_dir', errors).map((p) => p.spec);
}

/** Reads and validates the classification rules; problems go to `errors` as `file: path: problem`. */
export function loadRules(file: string, errors: string[]): RuleSet {
  const empty: RuleSet = { version: 0, hash: 'none', rules: [], routes: [] };
  const raw = readYamlFile(file, errors);
  if (raw === undefined) return empty;
  const parsed = ruleSetSchema.safeParse(raw);
  if (!parsed.success) {
    errors.push(...formatIssues(parsed.error.issues).map((l) => `${file}: ${l}`));
    return empty;
  }
  return compileRuleSet(parsed.data);
}

function rawString(raw: unknown, ...path: string[]): string | undefined {
  let cur = raw;
  for (const key of path)
    cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[key] : undefined;
  return typeof cur === 'string' ? cur : undefined;
}

/** Files and secrets the config points at must exist now, not at the first TLS handshake. */
function environmentChecks(config: Config, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const readable = (path: string | undefined, key: string) => {
    if (!path) return;
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      problems.push(
        `${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code}; check the path and permissions)`,
      );
    }
  };
  const tls = config.mqtt.embedded.tls;
  if (config.mqtt.embedded.enabled && tls.enabled) {
    readable(tls.cert_file, 'mqtt.embedded.tls.cert_file');
    readable(tls.key_file, 'mqtt.embedded.tls.key_file');
    readable(tls.ca_file, 'mqtt.embedded.tls.ca_file');
  }
  const client = config.mqtt.client;
  if (client.enabled) {
    readable(client.ca_file, 'mqtt.client.ca_file');
    if (client.password) {
      try {
        resolveSecret(client.password, env);
      } catch (err) {
        problems.push(`mqtt.client.password: ${(err as Error).message}`);
      }
    }
  }
  const n = config.notifications;
  for (const [key, ref] of [
    ['notifications.email.password', n.email.password],
    ['notifications.webhook.secret', n.webhook.secret],
  ] as const) {
    if (!ref) continue;
    try {
      resolveSecret(ref, env);
    } catch (err) {
      problems.push(`${key}: ${(err as Error).message}`);
    }
  }
  return problems;
}

export function loadSettings(opts: LoadConfigOptions, env: NodeJS.ProcessEnv = process.env): Settings {
  const errors: string[] = [];
  const raw = readRawConfig(opts, errors);
  const result = errors.length === 0 ? validateConfig(raw) : { config: undefined, errors: [] };
  errors.push(...result.errors);
  if (result.config) errors.push(...environmentChecks(result.config, env));
  // Profiles are checked even when the config has problems, so a second run does not
  // reveal new ones; the folder comes from the raw file if validation failed.
  const defaults = configSchema.parse({ gateway: { mode: 'demo' } });
  const dir =
    result.config?.profiles.devices_dir ??
    rawString(raw, 'profiles', 'devices_dir') ??
    defaults.profiles.devices_dir;
  const plant = result.config?.gateway.plant ?? rawString(raw, 'gateway', 'plant') ?? defaults.gateway.plant;
  const profiles = loadDeviceProfiles(dir, plant, errors);
  const rulesFile =
    result.config?.containment.rules_file ??
    rawString(raw, 'containment', 'rules_file') ??
    defaults.containment.rules_file;
  const rules = loadRules(rulesFile, errors);
  const syncDir =
    result.config?.profiles.sync_dir ?? rawString(raw, 'profiles', 'sync_dir') ?? defaults.profiles.sync_dir;
  const targets = loadSyncTargets(syncDir, errors);
  if (result.config)
    for (const t of targets)
      for (const [key, ref] of t.kind === 'rest'
        ? ([
            ['secret', t.secret],
            ['auth.password', t.auth?.password],
          ] as const)
        : ([['password', t.password]] as const))
        if (t.enabled && ref)
          try {
            resolveSecret(ref, env);
          } catch (err) {
            errors.push(`${syncDir}/${t.id}: ${key}: ${(err as Error).message}`);
          }
  if (errors.length > 0 || !result.config) throw configError(errors);
  return { config: result.config, profiles, rules, targets };
}
