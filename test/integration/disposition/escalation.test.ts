/** SLA escalation survives a restart: the deadline passes while Holdgate is down, and fires on the next start. */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import mqtt from 'mqtt';
import { startTestGateway, tempDir } from '../../helpers/gateway.js';
import { client } from '../../helpers/api.js';
import { unitsTested } from '../../helpers/cfx.js';
import { hashPassword } from '../../../src/ingest/mqtt/credentials.js';
import type { Role } from '../../../src/access/roles.js';

describe('approval SLA escalation', () => {
  it('escalates a step whose deadline passed while the gateway was stopped', async () => {
    const tmp = tempDir();
    const rules = join(tmp.dir, 'rules.yaml');
    writeFileSync(
      rules,
      stringify({
        version: 1,
        rules: [{ id: 'fail-lot', match: { results: ['FAIL'] }, severity: 'MAJOR', scope: { kind: 'LOT' } }],
        // ~2 s to sign, then the plant manager may sign instead.
        routes: [
          { id: 'fast', steps: [{ role: 'supervisor', sla_hours: 0.0006, escalate_to: 'plant_manager' }] },
        ],
      }),
    );
    const overrides = {
      store: { path: join(tmp.dir, 'esc.db') },
      containment: { rules_file: rules },
      approvals: { escalation_check_ms: 200 },
      notifications: {
        recipients: [
          { role: 'plant_manager', mqtt: true },
          { role: 'supervisor', mqtt: true },
        ],
      },
    };
    const first = await startTestGateway(overrides);
    const people: Record<string, ReturnType<typeof client>> = {};
    const hash = await hashPassword('signing-pass-1');
    for (const [username, roles] of [
      ['qe.anna', ['quality_engineer']],
      ['pm.olga', ['plant_manager']],
    ] as [string, Role[]][]) {
      const token = await first.gateway.command(() => {
        const at = new Date().toISOString();
        first.gateway.access.addUser({ username, displayName: username, roles, passwordHash: hash }, at);
        return first.gateway.access.createToken({ name: username, username, roles }, at).token;
      });
      people[username] = client(first.gateway, token);
    }
    const anon = client(first.gateway);
    await anon.post('/api/v1/imports/items', [{ part_number: 'P-1' }]);
    await anon.post('/api/v1/imports/lots', [{ lot_id: 'LOT-E', item: 'P-1', quantity: 2 }]);
    await anon.post('/api/v1/imports/serials', [
      { serial: 'E-1', item: 'P-1', lot_id: 'LOT-E' },
      { serial: 'E-2', item: 'P-1', lot_id: 'LOT-E' },
    ]);
    const dev = await mqtt.connectAsync(first.mqttUrl, { clientId: 'fct-esc' });
    await dev.publishAsync('cfx/PLANT-1/L1/tester/L1-FCT', JSON.stringify(unitsTested('E-1', 'Failed')), {
      qos: 1,
    });
    await dev.endAsync();
    const hold = (await people['qe.anna']!.get('/api/v1/holds')).json().holds[0];
    const lineId = (await people['qe.anna']!.get(`/api/v1/holds/${hold.id}`)).json().lines[0].id;
    const id = (
      await people['qe.anna']!.post(`/api/v1/holds/${hold.id}/dispositions`, {
        slices: [{ lineId, action: 'RELEASE', quantity: 2 }],
      })
    ).json().id;
    const submitted = await people['qe.anna']!.post(`/api/v1/dispositions/${id}/submit`, {});
    expect(submitted.json().route).toBe('fast');
    const task = () =>
      first.gateway.store.db
        .prepare('SELECT state, due_at FROM approval_tasks WHERE disposition_id = ?')
        .get(id) as { state: string; due_at: string };
    expect(task().state).toBe('PENDING');
    // The plant manager may not sign before the step escalates.
    expect(
      (
        await people['pm.olga']!.post(`/api/v1/dispositions/${id}/approve`, {
          reason: 'ok to ship',
          password: 'signing-pass-1',
        })
      ).json().error.code,
    ).toBe('HG_WRONG_ROLE');
    const due = Date.parse(task().due_at);
    await first.gateway.stop();
    expect(Date.now()).toBeLessThan(due);

    await new Promise((r) => setTimeout(r, due - Date.now() + 300));
    const second = await startTestGateway(overrides);
    try {
      const db = second.gateway.store.db;
      await expect
        .poll(
          () =>
            (
              db.prepare('SELECT state FROM approval_tasks WHERE disposition_id = ?').get(id) as {
                state: string;
              }
            ).state,
          { timeout: 5000 },
        )
        .toBe('ESCALATED');
      expect(
        db
          .prepare("SELECT reason FROM audit_log WHERE action = 'APPROVAL_ESCALATED' AND entity_id = ?")
          .get(id),
      ).toMatchObject({
        reason: expect.stringMatching(/step 1 \(supervisor\) passed its SLA/),
      });
      const notes = db.prepare("SELECT payload FROM outbox WHERE type = 'NOTIFY'").all() as {
        payload: string;
      }[];
      expect(notes.map((n) => JSON.parse(n.payload).event.type)).toEqual(
        expect.arrayContaining(['APPROVAL_TASK', 'APPROVAL_ESCALATED']),
      );
      const pm = client(
        second.gateway,
        await second.gateway.command(
          () =>
            second.gateway.access.createToken(
              { name: 'pm2', username: 'pm.olga', roles: ['plant_manager'] },
              new Date().toISOString(),
            ).token,
        ),
      );
      expect(
        (
          await pm.post(`/api/v1/dispositions/${id}/approve`, {
            reason: 'line down, signing for the supervisor',
            password: 'signing-pass-1',
          })
        ).json(),
      ).toMatchObject({ state: 'EXECUTED' });
      expect(second.gateway.interlocks.check({ lot: 'LOT-E' }, 'ship').allowed).toBe(true);
    } finally {
      await second.stop();
      tmp.cleanup();
    }
  });
});
