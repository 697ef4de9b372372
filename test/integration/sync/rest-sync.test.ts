/**
 * The outbox drained to a REST receiver: signatures, idempotency keys, order per key
 * under concurrency, retries with the same key, Retry-After, the exception queue
 * blocking only its key, and a 403 stopping the target.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { startTestGateway, syncTarget } from '../../helpers/gateway.js';
import { startReceiver } from '../../helpers/receiver.js';
import { seedPlant, at, holdLot } from '../../helpers/plant.js';
import { voidHold } from '../../../src/containment/commands.js';
import { client } from '../../helpers/api.js';
import { spawnSync } from 'node:child_process';
import { HOLDGATE_BIN } from '../../helpers/daemon.js';
import { REPO } from '../../helpers/gateway.js';

const SECRET = 'erp-hmac-secret';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(answer?: Parameters<typeof startReceiver>[0], target: Record<string, unknown> = {}) {
  process.env.HOLDGATE_TEST_ERP_HMAC = SECRET;
  const receiver = await startReceiver(answer);
  const gw = await startTestGateway(
    { notifications: { recipients: [{ role: 'plant_manager', mqtt: true }] } },
    {
      targets: [
        syncTarget({
          id: 'erp-rest',
          kind: 'rest',
          url: receiver.url,
          secret: { env: 'HOLDGATE_TEST_ERP_HMAC' },
          types: ['HOLD_LINE_PLACED', 'HOLD_LINE_VOIDED', 'HOLD_LINE_SPLIT', 'HOLD_LINE_RELEASED', 'SCRAP'],
          concurrency: 4,
          retry: { base_ms: 50, max_ms: 200 },
          circuit: { failures: 50, open_ms: 100 },
          ...target,
        }),
      ],
    },
  );
  cleanups.push(
    () => receiver.close(),
    () => gw.stop(),
  );
  await gw.gateway.command(seedPlant);
  const actor = { type: 'user' as const, id: 'qe' };
  const hold = (lot: string, n: number) =>
    gw.gateway.command((r) => holdLot(r, lot, { at: at(n), reason: `check ${lot} #${n}`, actor }));
  const voidIt = (holdId: string) =>
    gw.gateway.command((r) => voidHold(r, holdId, 'entered twice', actor, 'test', at(99)));
  return { gw, receiver, hold, voidIt };
}

const outboxRows = (gw: Awaited<ReturnType<typeof startTestGateway>>) =>
  gw.gateway.store.db
    .prepare(
      'SELECT seq, ordering_key AS key, idempotency_key AS idem FROM outbox WHERE type != ? ORDER BY seq',
    )
    .all('NOTIFY') as { seq: number; key: string; idem: string }[];

describe('REST sync target', () => {
  it('delivers every row once, signed, with its idempotency key, in order per key under concurrency', async () => {
    // Random delays make keys overtake each other; rows of one key must not.
    const { gw, receiver, hold, voidIt } = await setup(() => ({
      status: 200,
      delayMs: Math.floor(Math.random() * 30),
    }));
    const lots = ['L1-A', 'L1-B', 'L2-A', 'REEL-C14'];
    for (let n = 0; n < 6; n++)
      for (const lot of lots) {
        const h = await hold(lot, n);
        if (n % 2 === 1) await voidIt(h.holdId);
      }
    const rows = outboxRows(gw);
    await expect.poll(() => receiver.applied().length, { timeout: 15_000 }).toBe(rows.length);
    for (const r of receiver.received) {
      expect(r.headers['x-holdgate-signature']).toBe(
        `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`,
      );
      expect(r.headers['idempotency-key']).toBe(r.json.idempotencyKey);
    }
    expect(new Set(receiver.applied().map((r) => r.json.idempotencyKey)).size).toBe(rows.length);
    expect(
      receiver
        .applied()
        .map((r) => r.json.idempotencyKey)
        .sort(),
    ).toEqual(rows.map((r) => r.idem).sort());
    for (const lot of lots) {
      const seqs = receiver
        .applied()
        .filter((r) => r.json.orderingKey === `lot:${lot}`)
        .map((r) => r.json.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs.length).toBe(rows.filter((r) => r.key === `lot:${lot}`).length);
    }
    await expect
      .poll(async () => (await client(gw.gateway).get('/api/v1/sync/status')).json().targets[0])
      .toMatchObject({ target: 'erp-rest', queued: 0, exceptions: 0, acked: rows.length, stopped: null });
    expect((await gw.gateway.http.inject('/metrics')).body).toMatch(
      /holdgate_sync_queue_depth\{target="erp-rest"\} 0/,
    );
  });

  it('retries 5xx and 429 (honouring Retry-After) with the same idempotency key', async () => {
    const { gw, receiver, hold } = await setup((_r, attempt) =>
      attempt === 1
        ? { status: 503 }
        : attempt === 2
          ? { status: 429, headers: { 'retry-after': '1' } }
          : { status: 200 },
    );
    await hold('L1-A', 1);
    await expect.poll(() => receiver.applied().length, { timeout: 10_000 }).toBe(1);
    const tries = receiver.received.map((r) => [r.status, r.json.idempotencyKey]);
    expect(tries.map((t) => t[0])).toEqual([503, 429, 200]);
    expect(new Set(tries.map((t) => t[1])).size).toBe(1);
    // Retry-After: 1 is honoured: the third try comes at least a second after the 429.
    expect(receiver.received[2]!.at - receiver.received[1]!.at).toBeGreaterThanOrEqual(900);
    // The receiver answered; the ACK is recorded in the next group commit.
    await expect
      .poll(() => gw.gateway.sync.deliveries.get('erp-rest', outboxRows(gw)[0]!.seq))
      .toMatchObject({ state: 'ACKED', attempts: 3 });
  });

  it('a business rejection blocks only its key; retry after the fix delivers it and the rows behind it', async () => {
    let rejectReel = true;
    const { gw, receiver, hold, voidIt } = await setup((r) =>
      rejectReel && r.json.orderingKey === 'lot:REEL-C14' ? { status: 422 } : { status: 200 },
    );
    const reel = await hold('REEL-C14', 1);
    await voidIt(reel.holdId);
    await hold('L1-A', 2);
    await hold('L1-B', 3);
    await expect.poll(() => receiver.applied().length, { timeout: 10_000 }).toBe(2);
    const ex = (await client(gw.gateway).get('/api/v1/sync/exceptions')).json().exceptions;
    expect(ex).toHaveLength(1);
    expect(ex[0]).toMatchObject({
      target: 'erp-rest',
      orderingKey: 'lot:REEL-C14',
      type: 'HOLD_LINE_PLACED',
      lastError: expect.stringMatching(/HTTP 422/),
    });
    // The void of the reel waits behind its rejected placement.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.applied().some((r) => r.json.orderingKey === 'lot:REEL-C14')).toBe(false);

    rejectReel = false;
    // A person retries from the shell while the daemon runs; the worker picks it up.
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [HOLDGATE_BIN, 'sync', ...args, '--store', gw.dbPath], {
        cwd: REPO,
        encoding: 'utf8',
      });
    expect(cli('exceptions').stdout).toMatch(
      new RegExp(`erp-rest #${ex[0].seq} HOLD_LINE_PLACED lot:REEL-C14: HTTP 422`),
    );
    expect(cli('retry', 'erp-rest', String(ex[0].seq)).status).toBe(0);
    expect(cli('retry', 'erp-rest', String(ex[0].seq)).status).toBe(1);
    await expect.poll(() => receiver.applied().length, { timeout: 10_000 }).toBe(4);
    expect(
      receiver
        .applied()
        .filter((r) => r.json.orderingKey === 'lot:REEL-C14')
        .map((r) => r.json.type),
    ).toEqual(['HOLD_LINE_PLACED', 'HOLD_LINE_VOIDED']);
    expect(
      gw.gateway.store.db
        .prepare("SELECT count(*) AS n FROM audit_log WHERE action IN ('SYNC_EXCEPTION', 'SYNC_RETRY')")
        .get(),
    ).toEqual({ n: 2 });
    await expect
      .poll(() => cli('status').stdout)
      .toMatch(/erp-rest: 0 queued, 0 in the exception queue, 4 acknowledged/);
  });

  it('resolving an exception from the shell unblocks the rows behind it without sending it', async () => {
    const { gw, receiver, hold, voidIt } = await setup((r) =>
      r.json.type === 'HOLD_LINE_PLACED' && r.json.orderingKey === 'lot:L2-A'
        ? { status: 400 }
        : { status: 200 },
    );
    const h = await hold('L2-A', 1);
    await voidIt(h.holdId);
    await expect.poll(() => gw.gateway.sync.status()[0]!.exceptions, { timeout: 10_000 }).toBe(1);
    const seq = (gw.gateway.sync.deliveries.exceptions()[0] as { seq: number }).seq;
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [HOLDGATE_BIN, 'sync', ...args, '--store', gw.dbPath], {
        cwd: REPO,
        encoding: 'utf8',
      });
    expect(cli('resolve', 'erp-rest', String(seq)).status).toBe(2);
    expect(cli('resolve', 'erp-rest', String(seq), '--reason', 'booked by hand in the ERP').status).toBe(0);
    await expect
      .poll(() => receiver.applied().map((r) => r.json.type), { timeout: 10_000 })
      .toEqual(['HOLD_LINE_VOIDED']);
    expect(gw.gateway.sync.deliveries.get('erp-rest', seq)).toMatchObject({ state: 'RESOLVED' });
  });

  it('opens the circuit after repeated failures and stops calling for a while', async () => {
    const { receiver, hold } = await setup(() => ({ status: 503 }), {
      circuit: { failures: 2, open_ms: 1500 },
      retry: { base_ms: 10, max_ms: 100 },
    });
    await hold('L1-A', 1);
    await expect.poll(() => receiver.received.length, { timeout: 5000 }).toBe(2);
    const opened = receiver.received[1]!.at;
    await new Promise((r) => setTimeout(r, 1000));
    // Backoff alone would have retried ~50 times by now; the open breaker kept it at two.
    expect(receiver.received.length).toBe(2);
    await expect.poll(() => receiver.received.length, { timeout: 5000 }).toBeGreaterThan(2);
    expect(receiver.received[2]!.at - opened).toBeGreaterThanOrEqual(1400);
  });

  it('a 403 stops the target with its rows still queued; resume sends them', async () => {
    let forbidden = true;
    const { gw, receiver, hold } = await setup(() => (forbidden ? { status: 403 } : { status: 200 }));
    await hold('L1-A', 1);
    await hold('L1-B', 2);
    await expect
      .poll(() => (gw.gateway.sync.status()[0]!.stopped ?? '') !== '', { timeout: 10_000 })
      .toBe(true);
    const stuck = gw.gateway.sync.status()[0]!;
    // The alarm is queued to the notified roles like any notification.
    expect(
      (
        gw.gateway.store.db.prepare("SELECT payload FROM outbox WHERE type = 'NOTIFY'").all() as {
          payload: string;
        }[]
      ).map((r) => JSON.parse(r.payload).event.type),
    ).toContain('SYNC_TARGET_STOPPED');
    expect(stuck).toMatchObject({ queued: 2, exceptions: 0 });
    forbidden = false;
    await client(gw.gateway).post('/api/v1/sync/targets/erp-rest/resume', {});
    await expect.poll(() => receiver.applied().length, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => gw.gateway.sync.status()[0]!.rowsPerSecond).toBeGreaterThan(0);
  });
});
