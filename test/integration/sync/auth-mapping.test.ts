/** A target with a session login (401 → log in again), its own payload mapping, and edit-and-retry. */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestGateway, syncTarget } from '../../helpers/gateway.js';
import { seedPlant, at, holdLot } from '../../helpers/plant.js';
import { client } from '../../helpers/api.js';

describe('REST target with login and mapping', () => {
  it('logs in again on 401, maps its payload, and delivers an edited exception', async () => {
    let token = '';
    let served = 0;
    let logins = 0;
    const got: { type: string; payload: Record<string, unknown> }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/login') {
          const creds = JSON.parse(body) as { username: string; password: string };
          if (creds.username !== 'holdgate' || creds.password !== 'pw-123') {
            res.writeHead(403).end();
            return;
          }
          token = `t${++logins}`;
          {
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
            return;
          }
        }
        // Sessions expire after 3 requests: the next one gets a 401.
        if (req.headers.authorization !== `Bearer ${token}` || ++served % 4 === 0) {
          token = `expired-${served}`;
          {
            res.writeHead(401).end('session expired');
            return;
          }
        }
        const doc = JSON.parse(body) as { type: string; payload: Record<string, unknown> };
        if (doc.payload.Batch === 'L1-B' && doc.payload.Qty !== 9) {
          res.writeHead(422).end('quantity must be 9 for L1-B');
          return;
        }
        got.push(doc);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.HOLDGATE_TEST_LOGIN_PW = 'pw-123';
    const gw = await startTestGateway(
      {},
      {
        targets: [
          syncTarget({
            id: 'mes',
            kind: 'rest',
            url: `${base}/tx`,
            types: ['HOLD_LINE_PLACED'],
            concurrency: 1,
            retry: { base_ms: 50, max_ms: 100 },
            auth: {
              login_url: `${base}/login`,
              username: 'holdgate',
              password: { env: 'HOLDGATE_TEST_LOGIN_PW' },
            },
            mapping: {
              type_names: { HOLD_LINE_PLACED: 'QualityBlock' },
              fields: { Batch: 'lotId', Qty: 'quantity', Why: 'reason' },
            },
          }),
        ],
      },
    );
    try {
      await gw.gateway.command(seedPlant);
      const actor = { type: 'user' as const, id: 'qe' };
      for (const lot of ['L1-A', 'L2-A', 'REEL-C14', 'L1-B', 'L1-A', 'L2-A', 'REEL-C14'])
        await gw.gateway.command((r) => holdLot(r, lot, { at: at(1), actor }));
      await expect.poll(() => got.length, { timeout: 10_000 }).toBe(6);
      expect(logins).toBeGreaterThan(1);
      expect(got[0]).toMatchObject({
        type: 'QualityBlock',
        payload: { Batch: 'L1-A', Qty: 10, Why: 'check L1-A' },
      });
      const ex = (await client(gw.gateway).get('/api/v1/sync/exceptions')).json().exceptions;
      expect(ex).toMatchObject([
        {
          target: 'mes',
          orderingKey: 'lot:L1-B',
          lastError: expect.stringMatching(/HTTP 422: quantity must be 9/),
        },
      ]);
      const original = JSON.parse(ex[0].payload);
      const edited = await client(gw.gateway).post(`/api/v1/sync/exceptions/mes/${ex[0].seq}/retry`, {
        payload: { ...original, quantity: 9 },
      });
      expect(edited.statusCode).toBe(200);
      await expect.poll(() => got.length, { timeout: 10_000 }).toBe(7);
      expect(got.at(-1)).toMatchObject({ payload: { Batch: 'L1-B', Qty: 9 } });
      expect(
        gw.gateway.store.db
          .prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'SYNC_EDIT_RETRY'")
          .get(),
      ).toEqual({ n: 1 });
    } finally {
      await gw.stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
