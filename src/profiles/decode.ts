/**
 * Raw message → canonical events, or the reason it cannot be used. Pure: no store,
 * no clock except the receive time passed in. The dead-letter reason codes are a
 * public contract (metrics labels, API, README).
 */
import type { QualityEvent } from '../holds/quality-event.js';
import type { DeviceProfiles, ProfileMatch } from './device-profiles.js';
import { Envelope } from './cfx/schema.js';
import { CFX_MESSAGES, mapEnvelope } from './cfx/map.js';
import { formatIssues } from '../config/issues.js';
import { MappingError, mapJson } from './json-map.js';

export const DEAD_LETTER_REASONS = [
  'PAYLOAD_TOO_LARGE',
  'NO_PROFILE',
  'INVALID_JSON',
  'INVALID_SHAPE',
  'UNKNOWN_MESSAGE',
  'MESSAGE_NOT_ALLOWED',
  'PROCESSING_FAILED',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export type DecodeResult =
  | { ok: true; profileId: string; events: QualityEvent[] }
  | { ok: false; profileId?: string; code: DeadLetterReason; reason: string };

export interface RawMessage {
  topic: string;
  payload: Buffer;
  receivedAt: Date;
}

const MAX_REASON_LINES = 5;

function shapeError(profileId: string, lines: string[]): DecodeResult {
  const shown = lines.slice(0, MAX_REASON_LINES);
  const more = lines.length > shown.length ? ` (+${lines.length - shown.length} more)` : '';
  return { ok: false, profileId, code: 'INVALID_SHAPE', reason: shown.join('; ') + more };
}

function decodeCfx(json: unknown, match: ProfileMatch): DecodeResult {
  const profileId = match.profile.spec.id;
  // One transport message may carry a list of envelopes (the CFX SDK batches them).
  const list = Array.isArray(json) ? json : [json];
  if (list.length === 0)
    return shapeError(profileId, ['(root): empty list (send at least one CFX envelope)']);
  const events: QualityEvent[] = [];
  for (let i = 0; i < list.length; i++) {
    const at = Array.isArray(json) ? [i] : [];
    const env = Envelope.safeParse(list[i]);
    if (!env.success) return shapeError(profileId, formatIssues(env.error.issues, at));
    const name = env.data.MessageName;
    const spec = CFX_MESSAGES[name];
    if (!spec)
      return {
        ok: false,
        profileId,
        code: 'UNKNOWN_MESSAGE',
        reason: `MessageName: '${name}' is not a CFX message Holdgate reads (see README, device profiles)`,
      };
    if (match.profile.cfxMessages && !match.profile.cfxMessages.has(name))
      return {
        ok: false,
        profileId,
        code: 'MESSAGE_NOT_ALLOWED',
        reason: `MessageName: '${name}' is not in profile ${profileId}'s cfx.messages (add it there if this device may send it)`,
      };
    const body = spec.schema.safeParse(env.data.MessageBody);
    if (!body.success) return shapeError(profileId, formatIssues(body.error.issues, [...at, 'MessageBody']));
    events.push(mapEnvelope(env.data, spec, body.data, profileId, match.context));
  }
  return { ok: true, profileId, events };
}

export function decodeMessage(
  profiles: DeviceProfiles,
  msg: RawMessage,
  maxPayloadBytes: number,
): DecodeResult {
  if (msg.payload.length > maxPayloadBytes)
    return {
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
      reason: `payload is ${msg.payload.length} bytes, the limit is ${maxPayloadBytes} (raise ingest.max_payload_bytes or send less)`,
    };
  const match = profiles.match(msg.topic);
  if (!match)
    return {
      ok: false,
      code: 'NO_PROFILE',
      reason: `topic '${msg.topic}' matches no device profile (add a profile in the devices folder or fix the device's topic)`,
    };
  const profileId = match.profile.spec.id;
  let json: unknown;
  try {
    json = JSON.parse(msg.payload.toString('utf8'));
  } catch (err) {
    return {
      ok: false,
      profileId,
      code: 'INVALID_JSON',
      reason: `payload is not JSON: ${(err as Error).message}`,
    };
  }
  if (match.profile.spec.format === 'cfx') return decodeCfx(json, match);
  try {
    const mapping = match.profile.spec.json!;
    return {
      ok: true,
      profileId,
      events: [mapJson(json, msg.payload, mapping, profileId, match.context, msg.receivedAt)],
    };
  } catch (err) {
    if (err instanceof MappingError) return shapeError(profileId, [err.message]);
    throw err;
  }
}
