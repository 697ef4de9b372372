/** Plain-JSON profiles: field mapping, results, and errors that name the field. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { decodeMessage } from '../../../src/profiles/decode.js';
import { loadDeviceProfiles } from '../../../src/profiles/device-profiles.js';
import { REPO } from '../../helpers/gateway.js';

const errors: string[] = [];
const profiles = loadDeviceProfiles(join(REPO, 'devices'), 'PLANT-1', errors);
const topic = 'vision/PLANT-2/L3/CAM1/result';

function decode(payload: unknown) {
  const raw = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return decodeMessage(
    profiles,
    { topic, payload: raw, receivedAt: new Date('2026-05-01T10:00:00Z') },
    1 << 20,
  );
}

describe('JSON device profile (vision-json)', () => {
  it('loads without problems', () => expect(errors).toEqual([]));

  it('maps a verdict through result_map and takes context from the topic', () => {
    const r = decode({
      inspection_id: 'I-1',
      ts: '2026-05-01T09:59:58+02:00',
      serial: 'SN-1',
      verdict: 'OK',
    });
    expect(r).toMatchObject({
      ok: true,
      events: [
        {
          profileId: 'vision-json',
          sourceEventId: 'I-1',
          occurredAt: '2026-05-01T07:59:58.000Z',
          result: 'PASS',
          context: { plant: 'PLANT-2', line: 'L3', station: 'CAM1' },
          units: [{ serial: 'SN-1', result: 'PASS', findings: [] }],
        },
      ],
    });
  });

  it('names the payload field and the profile key when a value is missing or unmapped', () => {
    expect(decode({ inspection_id: 'I-2', verdict: 'OK' })).toMatchObject({
      ok: false,
      code: 'INVALID_SHAPE',
      reason: 'serial: missing (profile key units.serial reads it; send it or change the mapping)',
    });
    expect(decode({ inspection_id: 'I-3', serial: 'S', verdict: 'MAYBE' })).toMatchObject({
      ok: false,
      reason: "verdict: 'MAYBE' is not a known result (add it to units.result_map in the profile)",
    });
    expect(
      decode({ inspection_id: 'I-4', serial: 'S', verdict: 'NG', defects: [{ area: 'x' }] }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('defects[0].code: missing'),
    });
    expect(decode({ inspection_id: 'I-5', serial: 'S', ts: 'yesterday' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("ts: 'yesterday' is not a date and time"),
    });
    expect(decode('[1,2]')).toMatchObject({ ok: false, reason: '(root): expected a JSON object' });
  });
});
