/**
 * Per-device topic ACLs for the embedded broker. Patterns are MQTT filters (`+`, `#`);
 * `{name}` levels are accepted too and act as `+`, so a profile's topic can be pasted in.
 */
import { compileTopicPattern, type TopicPattern } from '../../profiles/topic.js';

export interface DeviceAccount {
  id: string;
  passwordHash: string;
  publish: TopicPattern[];
  subscribe: string[][];
}

export function mayPublish(device: DeviceAccount, topic: string): boolean {
  return device.publish.some((p) => p.match(topic) !== undefined);
}

/** True when every topic the subscription filter can match is inside one allowed filter. */
export function maySubscribe(device: DeviceAccount, filter: string): boolean {
  const want = filter.split('/');
  return device.subscribe.some((allowed) => covers(allowed, want));
}

function covers(allowed: string[], want: string[]): boolean {
  for (let i = 0; i < want.length; i++) {
    const a = allowed[i];
    if (a === '#') return true;
    if (a === undefined) return false;
    const w = want[i]!;
    if (w === '#') return false;
    if (a === '+' || /^\{[a-z][a-z0-9_]*\}$/.test(a)) continue;
    if (w === '+' || a !== w) return false;
  }
  return (
    allowed.length === want.length || (allowed.length === want.length + 1 && allowed[want.length] === '#')
  );
}

export function compileAccount(spec: {
  id: string;
  password_hash: string;
  publish: string[];
  subscribe: string[];
}): DeviceAccount {
  return {
    id: spec.id,
    passwordHash: spec.password_hash,
    publish: spec.publish.map(compileTopicPattern),
    subscribe: spec.subscribe.map((s) => s.split('/')),
  };
}
