/**
 * Loads and validates every device profile in a folder and matches topics to them.
 * Profiles are tried in file-name order; the first matching topic pattern wins.
 */
import { deviceProfileSchema, type DeviceProfileSpec } from './device-schema.js';
import { compileTopicPattern, fillTemplate, type TopicPattern } from './topic.js';
import { readProfileDir } from './profile-dir.js';
import { fullCfxName } from './cfx/map.js';
import type { EventContext } from '../holds/quality-event.js';

export interface DeviceProfile {
  spec: DeviceProfileSpec;
  file: string;
  patterns: TopicPattern[];
  /** Full CFX names this profile accepts; undefined = all that Holdgate reads. */
  cfxMessages?: Set<string>;
}

export interface ProfileMatch {
  profile: DeviceProfile;
  context: EventContext;
}

export class DeviceProfiles {
  readonly list: readonly DeviceProfile[];
  private readonly defaultPlant: string;

  constructor(list: readonly DeviceProfile[], defaultPlant: string) {
    this.list = list;
    this.defaultPlant = defaultPlant;
  }

  /**
   * Devices publish on a handful of fixed topics, so matches are cached (bounded: a
   * device inventing topics cannot grow it without limit). The context object is
   * shared between events and must not be mutated.
   */
  private readonly cache = new Map<string, ProfileMatch | null>();

  match(topic: string): ProfileMatch | undefined {
    const hit = this.cache.get(topic);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.matchUncached(topic);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(topic, found ?? null);
    return found;
  }

  private matchUncached(topic: string): ProfileMatch | undefined {
    for (const profile of this.list) {
      for (const pattern of profile.patterns) {
        const captures = pattern.match(topic);
        if (!captures) continue;
        const c = profile.spec.context;
        const context: EventContext = {
          plant: c.plant ? fillTemplate(c.plant, captures) : this.defaultPlant,
        };
        if (c.line) context.line = fillTemplate(c.line, captures);
        if (c.station) context.station = fillTemplate(c.station, captures);
        if (c.machine) context.machine = fillTemplate(c.machine, captures);
        return { profile, context: Object.freeze(context) };
      }
    }
    return undefined;
  }

  /** MQTT filters of every profile, e.g. for subscribing to a plant broker. */
  filters(): string[] {
    return [...new Set(this.list.flatMap((p) => p.patterns.map((t) => t.filter)))];
  }
}

export function compileProfile(spec: DeviceProfileSpec, file: string): DeviceProfile {
  const messages = spec.cfx?.messages;
  return {
    spec,
    file,
    patterns: spec.topics.map(compileTopicPattern),
    cfxMessages: messages ? new Set(messages.map((m) => fullCfxName(m) as string)) : undefined,
  };
}

/** Reads every *.yaml in `dir`; problems are appended to `errors` as `file: path: problem`. */
export function loadDeviceProfiles(dir: string, defaultPlant: string, errors: string[]): DeviceProfiles {
  const specs = readProfileDir(dir, deviceProfileSchema, 'profiles.devices_dir', errors);
  return new DeviceProfiles(
    specs.map((s) => compileProfile(s.spec, s.file)),
    defaultPlant,
  );
}
