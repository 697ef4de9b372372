import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openStore } from '../../../src/store/db.js';
import { EventLog } from '../../../src/store/event-log.js';
import type { QualityEvent } from '../../../src/holds/quality-event.js';
import { inTempDir } from '../../helpers/gateway.js';

const event: QualityEvent = {
  profileId: 'cfx-functional-tester',
  sourceEventId: 'e-1',
  kind: 'UNITS_TESTED',
  occurredAt: '2026-03-02T06:01:22.508Z',
  result: 'FAIL',
  context: { plant: 'PLANT-1', line: 'L1', station: 'L1-FCT' },
  transactionId: 't-1',
  units: [{ serial: 'SN-1', position: 1, result: 'FAIL', findings: [{ type: 'DEFECT', code: 'SHORT' }] }],
};
const origin = {
  deviceId: 'fct-1',
  transport: 'mqtt',
  topic: 'cfx/x',
  receivedAt: '2026-03-02T06:01:23Z',
  raw: Buffer.from('{}'),
};

describe('event log', () => {
  it('stores the body without the column-held fields and reads the whole event back', () => {
    inTempDir((dir) => {
      const { db } = openStore({ path: join(dir, 'e.db') });
      const log = new EventLog(db);
      expect(log.append(event, origin)).toBe(1);
      expect(log.append(event, origin)).toBeUndefined();
      const body = JSON.parse((db.prepare('SELECT body FROM events').get() as { body: string }).body);
      for (const f of ['profileId', 'sourceEventId', 'kind', 'result', 'occurredAt'])
        expect(body).not.toHaveProperty(f);
      expect(log.find(event.profileId, event.sourceEventId)).toMatchObject({
        seq: 1,
        event,
        deviceId: 'fct-1',
      });
      db.close();
    });
  });

  it('reads rows written with the whole event in the body (stores from before the slim body)', () => {
    inTempDir((dir) => {
      const { db } = openStore({ path: join(dir, 'e.db') });
      db.prepare(
        `INSERT INTO events (profile_id, source_event_id, device_id, transport, topic, kind, result, occurred_at, received_at, body, raw)
         VALUES ('cfx-functional-tester', 'e-1', 'fct-1', 'mqtt', 'cfx/x', 'UNITS_TESTED', 'FAIL', ?, ?, ?, x'7b7d')`,
      ).run(event.occurredAt, origin.receivedAt, JSON.stringify(event));
      expect(new EventLog(db).find(event.profileId, event.sourceEventId)?.event).toEqual(event);
      db.close();
    });
  });
});
