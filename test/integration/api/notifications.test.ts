/**
 * Notifications for a new hold: e-mail to a real SMTP receiver (smtp-server), a signed
 * webhook to a local HTTP receiver, and an MQTT topic per role; queued in the outbox so
 * a restart between queueing and sending loses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createServer, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startTestGateway, tempDir } from '../../helpers/gateway.js';
import { seedPlant } from '../../helpers/plant.js';
import { unitsTested } from '../../helpers/cfx.js';
import { freePort } from '../../helpers/mosquitto.js';

interface Mail {
  to: string[];
  data: string;
}

describe('hold notifications', () => {
  const mails: Mail[] = [];
  const hooks: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let smtp: SMTPServer;
  let smtpPort: number;
  let web: Server;
  let webUrl: string;
  const SECRET = 'hook-secret-123';

  beforeAll(async () => {
    process.env.HOLDGATE_TEST_HOOK_SECRET = SECRET;
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, callback) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString()));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          callback();
        });
      },
    });
    smtpPort = await freePort();
    await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));
    web = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/holdgate`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => smtp.close(() => r()));
    await new Promise<void>((r) => web.close(() => r()));
  });

  const notifications = (smtpAt: number) => ({
    email: { host: '127.0.0.1', port: smtpAt, from: 'Holdgate <holdgate@plant.test>' },
    webhook: { url: webUrl, secret: { env: 'HOLDGATE_TEST_HOOK_SECRET' } },
    retry: { base_ms: 50, max_ms: 200 },
    recipients: [
      { role: 'quality_engineer', email: ['qe@plant.test'], webhook: true, mqtt: true },
      { role: 'supervisor', plants: ['PLANT-1'], email: ['sup-l1@plant.test'] },
      { role: 'supervisor', plants: ['PLANT-9'], email: ['elsewhere@plant.test'] },
    ],
  });

  it('sends e-mail, a signed webhook and an MQTT message when a rule places a hold', async () => {
    const gw = await startTestGateway({ notifications: notifications(smtpPort) });
    try {
      await gw.gateway.command(seedPlant);
      const watcher = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'board' });
      const topics: string[] = [];
      watcher.on('message', (t) => topics.push(t));
      await watcher.subscribeAsync('holdgate/notifications/#', { qos: 1 });
      const dev = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'fct-n' });
      await dev.publishAsync(
        'cfx/PLANT-1/L1/tester/L1-FCT',
        JSON.stringify(unitsTested('SN-002', 'Failed')),
        { qos: 1 },
      );
      await dev.endAsync();

      await expect.poll(() => mails.length, { timeout: 10_000 }).toBe(1);
      expect(mails[0]!.to).toEqual(['qe@plant.test', 'sup-l1@plant.test']);
      expect(mails[0]!.data).toMatch(/Subject: \[Holdgate\] MAJOR QUALITY hold H-\d{6} at PLANT-1/);
      expect(mails[0]!.data).toMatch(/Material: L1-A: 10 EA/);

      await expect.poll(() => hooks.length, { timeout: 10_000 }).toBe(1);
      const hook = hooks[0]!;
      expect(JSON.parse(hook.body)).toMatchObject({
        type: 'HOLD_PLACED',
        holdType: 'QUALITY',
        rule: 'fct-fail-lot@1',
        roles: ['quality_engineer'],
      });
      expect(hook.headers['x-holdgate-signature']).toBe(
        `sha256=${createHmac('sha256', SECRET).update(hook.body).digest('hex')}`,
      );
      expect(hook.headers['idempotency-key']).toMatch(/^holdgate-01:[0-9a-f-]{36}:\d+$/);

      await expect
        .poll(() => [...topics].sort(), { timeout: 10_000 })
        .toEqual(['holdgate/notifications/quality_engineer', 'holdgate/notifications/supervisor']);
      await watcher.endAsync();
      await expect
        .poll(() =>
          gw.gateway.store.db
            .prepare("SELECT state, count(*) AS n FROM outbox WHERE type = 'NOTIFY' GROUP BY state")
            .all(),
        )
        .toEqual([{ state: 'ACKED', n: 4 }]);
    } finally {
      await gw.stop();
    }
  });

  it('tells the roles again at 2, 4, 8 … events when failures keep joining a hold', async () => {
    const gw = await startTestGateway({ notifications: notifications(smtpPort) });
    try {
      await gw.gateway.command(seedPlant);
      const dev = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'fct-attach' });
      // Five failing boards of lot L1-B: one hold, four events join it.
      for (const sn of ['SN-011', 'SN-012', 'SN-013', 'SN-014', 'SN-016'])
        await dev.publishAsync('cfx/PLANT-1/L1/tester/L1-FCT', JSON.stringify(unitsTested(sn, 'Failed')), {
          qos: 1,
        });
      await dev.endAsync();
      const sent = gw.gateway.store.db
        .prepare(
          `SELECT DISTINCT json_extract(payload, '$.event.type') AS type, json_extract(payload, '$.event.events') AS events
           FROM outbox WHERE type = 'NOTIFY' ORDER BY seq`,
        )
        .all();
      expect(sent).toEqual([
        { type: 'HOLD_PLACED', events: null },
        { type: 'HOLD_EVENT_ATTACHED', events: 2 },
        { type: 'HOLD_EVENT_ATTACHED', events: 4 },
      ]);
      await expect
        .poll(
          () =>
            mails.filter((m) => /Subject: \[Holdgate\] hold H-\d{6}: 4 events now at PLANT-1/.test(m.data))
              .length,
          {
            timeout: 10_000,
          },
        )
        .toBe(1);
    } finally {
      await gw.stop();
    }
  });

  it('keeps a queued notification across a restart and delivers it when the SMTP server answers', async () => {
    mails.length = 0;
    hooks.length = 0;
    const tmp = tempDir();
    const store = join(tmp.dir, 'restart.db');
    const deadPort = await freePort();
    // First life: the SMTP server is unreachable, so the mail stays queued (with attempts).
    const first = await startTestGateway({
      store: { path: store },
      notifications: {
        ...notifications(deadPort),
        recipients: [{ role: 'quality_engineer', email: ['qe@plant.test'], mqtt: false }],
      },
    });
    await first.gateway.command(seedPlant);
    const dev = await mqtt.connectAsync(first.mqttUrl, { clientId: 'fct-r' });
    await dev.publishAsync('cfx/PLANT-1/L1/tester/L1-FCT', JSON.stringify(unitsTested('SN-012', 'Failed')), {
      qos: 1,
    });
    await dev.endAsync();
    const row = () =>
      first.gateway.store.db
        .prepare("SELECT state, attempts, last_error FROM outbox WHERE type = 'NOTIFY'")
        .get() as Record<string, unknown>;
    await expect.poll(() => (row().attempts as number) >= 1, { timeout: 10_000 }).toBe(true);
    expect(row()).toMatchObject({ state: 'QUEUED', last_error: expect.stringMatching(/ECONNREFUSED/) });
    await first.stop();
    expect(mails).toEqual([]);

    // Second life on the same store, SMTP reachable: the queued mail goes out.
    const second = await startTestGateway({
      store: { path: store },
      notifications: {
        ...notifications(smtpPort),
        recipients: [{ role: 'quality_engineer', email: ['qe@plant.test'], mqtt: false }],
      },
    });
    try {
      await expect.poll(() => mails.length, { timeout: 10_000 }).toBe(1);
      expect(mails[0]!.data).toMatch(/Reason: Functional test failure holds the unit's lot/);
      await expect
        .poll(() => second.gateway.store.db.prepare("SELECT state FROM outbox WHERE type = 'NOTIFY'").get())
        .toEqual({ state: 'ACKED' });
    } finally {
      await second.stop();
      tmp.cleanup();
    }
  });
});
