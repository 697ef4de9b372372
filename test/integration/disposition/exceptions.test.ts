/** An approved exception lets exactly its operation through, until it is used up or expires. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../../helpers/gateway.js';
import { client } from '../../helpers/api.js';
import { seedPlant, at, holdLot } from '../../helpers/plant.js';
import { hashPassword } from '../../../src/ingest/mqtt/credentials.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('approved exceptions', () => {
  let gw: TestGateway;
  let qm: ReturnType<typeof client>;
  let qe: ReturnType<typeof client>;

  beforeAll(async () => {
    gw = await startTestGateway();
    await gw.gateway.command(seedPlant);
    await gw.gateway.command((r) => holdLot(r, 'L1-B', { at: at(1), reason: 'marginal solder on L1-B' }));
    const hash = await hashPassword('signing-pass-1');
    const tokens = await gw.gateway.command(() => {
      const now = new Date().toISOString();
      gw.gateway.access.addUser(
        { username: 'qm.eva', displayName: 'Eva QM', roles: ['quality_manager'], passwordHash: hash },
        now,
      );
      gw.gateway.access.addUser(
        { username: 'qe.anna', displayName: 'Anna QE', roles: ['quality_engineer'], passwordHash: hash },
        now,
      );
      return [
        gw.gateway.access.createToken({ name: 'qm', username: 'qm.eva', roles: ['quality_manager'] }, now)
          .token,
        gw.gateway.access.createToken({ name: 'qe', username: 'qe.anna', roles: ['quality_engineer'] }, now)
          .token,
      ];
    });
    qm = client(gw.gateway, tokens[0]);
    qe = client(gw.gateway, tokens[1]);
  });
  afterAll(() => gw.stop());

  const grant = (c: ReturnType<typeof client>, extra: Record<string, unknown>) =>
    c.post('/api/v1/exceptions', {
      kind: 'CONCESSION',
      operation: 'ship',
      lot: 'L1-B',
      customer: 'ACME Motors',
      reference: 'CONC-118',
      reason: 'customer accepts marginal solder for this lot',
      password: 'signing-pass-1',
      ...extra,
    });

  it('only a quality manager grants one, with a re-authenticated signature', async () => {
    expect(
      (await grant(qe, { quantity: 2, expiresAt: new Date(Date.now() + 60_000).toISOString() })).statusCode,
    ).toBe(403);
    expect(
      (
        await grant(qm, {
          quantity: 2,
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
          password: 'wrong',
        })
      ).json().error.code,
    ).toBe('HG_REAUTH_FAILED');
  });

  it('lets exactly its operation through until it is used up', async () => {
    const id = (
      await grant(qm, { quantity: 2, expiresAt: new Date(Date.now() + 60_000).toISOString() })
    ).json().id;
    const ship = gw.gateway.interlocks.check({ serial: 'SN-013' }, 'ship');
    expect(ship).toMatchObject({
      allowed: true,
      code: 'ALLOWED_BY_EXCEPTION',
      exception: { id, reference: 'CONC-118', remaining: 2 },
    });
    expect(ship.reason).toMatch(
      /ship allowed by concession X-\d{6} \(CONC-118\) until .*, 2 left for ACME Motors, despite hold H-\d{6}/,
    );
    expect(gw.gateway.interlocks.check({ serial: 'SN-013' }, 'consume')).toMatchObject({
      allowed: false,
      code: 'BLOCKED',
    });

    expect(
      (await qe.post(`/api/v1/exceptions/${id}/use`, { quantity: 2, reference: 'DN-5501' })).json(),
    ).toEqual({ used: 2, state: 'USED_UP' });
    expect(gw.gateway.interlocks.check({ serial: 'SN-013' }, 'ship')).toMatchObject({
      allowed: false,
      code: 'BLOCKED',
    });
    expect((await qe.post(`/api/v1/exceptions/${id}/use`, { quantity: 1 })).json().error.code).toBe(
      'HG_EXCEPTION_NOT_ACTIVE',
    );
  });

  it('stops at its expiry', async () => {
    const id = (await grant(qm, { expiresAt: new Date(Date.now() + 700).toISOString() })).json().id;
    expect(gw.gateway.interlocks.check({ lot: 'L1-B' }, 'ship')).toMatchObject({
      code: 'ALLOWED_BY_EXCEPTION',
      exception: { id, remaining: null },
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(gw.gateway.interlocks.check({ lot: 'L1-B' }, 'ship')).toMatchObject({
      allowed: false,
      code: 'BLOCKED',
    });
    expect((await qe.post(`/api/v1/exceptions/${id}/use`, { quantity: 1 })).json().error.code).toBe(
      'HG_EXCEPTION_EXPIRED',
    );
  });
});
