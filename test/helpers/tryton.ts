/**
 * A real Tryton 6.0 per test file (or bench run), started by scripts/tryton-up.sh in its
 * own folder and port from the pristine database the global setup initialised once, and
 * stopped by its PID. Plus the ERP-side steps a test needs: products, lots, receipts,
 * per-location quantities, and moves made "by someone else" directly in Tryton.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './mosquitto.js';
import { decimal, TrytonRpc } from '../../src/sync/tryton/rpc.js';
import { resolveSite, type Site } from '../../src/sync/tryton/site.js';

const run = promisify(execFile);
const SCRIPTS = resolve(import.meta.dirname, '../../scripts');
/** Where the global setup keeps the initialised database (survives runs: init costs ~12 s once). */
export const TRYTON_CACHE = join(tmpdir(), 'holdgate-tryton-cache');
export const TRYTON_DB = 'holdgate';

/** Installs the packages and initialises the pristine database (global setup). */
export async function initTryton(): Promise<void> {
  await run(join(SCRIPTS, 'tryton-up.sh'), [TRYTON_CACHE, '18999'], {
    env: { ...process.env, TRYTON_INIT_ONLY: '1', TRYTON_DB },
  });
}

export interface TrytonPeer {
  url: string;
  database: string;
  dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTryton(): Promise<TrytonPeer> {
  const dir = mkdtempSync(join(tmpdir(), 'holdgate-tryton-'));
  const port = await freePort();
  const env = {
    ...process.env,
    TRYTON_DB,
    TRYTON_PRISTINE: join(TRYTON_CACHE, 'pristine', `${TRYTON_DB}.sqlite`),
  };
  const peer: TrytonPeer = {
    url: `http://127.0.0.1:${port}`,
    database: TRYTON_DB,
    dir,
    start: async () => {
      await run(join(SCRIPTS, 'tryton-up.sh'), [dir, String(port)], { env });
    },
    stop: async () => {
      await run(join(SCRIPTS, 'tryton-down.sh'), [dir], { env });
    },
  };
  await peer.start();
  return peer;
}

export interface TrytonFixture {
  peer: TrytonPeer;
  rpc: TrytonRpc;
  site: Site;
}

/** A Tryton of this test file's own, with an admin session: started before its tests, stopped after. */
export function useTryton(): TrytonFixture {
  const t = {} as TrytonFixture;
  beforeAll(async () => {
    t.peer = await startTryton();
    Object.assign(t, await trytonAdmin(t.peer));
  }, 120_000);
  afterAll(async () => {
    await t.rpc?.close();
    await t.peer?.stop();
  });
  return t;
}

/** The test's own admin session on the peer, with company and locations prepared. */
export async function trytonAdmin(peer: TrytonPeer): Promise<{ rpc: TrytonRpc; site: Site }> {
  const rpc = new TrytonRpc({
    url: peer.url,
    database: peer.database,
    username: 'admin',
    password: 'admin',
    timeoutMs: 30_000,
  });
  await rpc.login();
  const site = await resolveSite(rpc, { warehouse: 'WH', hold: 'QHOLD', scrap: 'SCRAP' }, true);
  return { rpc, site };
}

/** A lot-tracked product with lots received into the storage zone (supplier → storage). */
export async function seedProduct(
  rpc: TrytonRpc,
  site: Site,
  code: string,
  lots: { number: string; quantity: number }[],
  costPrice = 4.2,
): Promise<{ product: number; lots: Map<string, number> }> {
  const [unit] = await rpc.model<number[]>('product.uom', 'search', [['symbol', '=', 'u']], 0, 1, null);
  const [tmpl] = await rpc.model<number[]>('product.template', 'create', [
    {
      name: `Part ${code}`,
      code,
      type: 'goods',
      default_uom: unit,
      list_price: decimal('12.50'),
      lot_required: ['storage'],
      // cost_price is a per-company value of the variant in 6.0, not of the template
      products: [['create', [{ cost_price: decimal(costPrice) }]]],
    },
  ]);
  const [t] = await rpc.model<{ products: number[] }[]>('product.template', 'read', [tmpl], ['products']);
  const product = t!.products[0]!;
  const ids = await rpc.model<number[]>(
    'stock.lot',
    'create',
    lots.map((l) => ({ number: l.number, product })),
  );
  const moves = await rpc.model<number[]>(
    'stock.move',
    'create',
    lots.map((l, i) => ({
      product,
      uom: unit,
      quantity: l.quantity,
      from_location: site.supplier,
      to_location: site.storage,
      lot: ids[i],
      company: site.company,
      unit_price: decimal(costPrice),
      currency: site.currency,
    })),
  );
  await rpc.model('stock.move', 'do', moves);
  return { product, lots: new Map(lots.map((l, i) => [l.number, ids[i]!])) };
}

export interface LotStock {
  storage: number;
  hold: number;
  scrap: number;
  supplier: number;
}

/** Per-location quantity of each lot, as Tryton computes it from its done moves. */
export async function lotStock(rpc: TrytonRpc, site: Site, lotIds: number[]): Promise<Map<number, LotStock>> {
  const out = new Map<number, LotStock>(
    lotIds.map((id) => [id, { storage: 0, hold: 0, scrap: 0, supplier: 0 }]),
  );
  for (const where of ['storage', 'hold', 'scrap', 'supplier'] as const) {
    const rows = await rpc.modelIn<{ id: number; quantity: number | null }[]>(
      { locations: [site[where]] },
      'stock.lot',
      'read',
      lotIds,
      ['quantity'],
    );
    for (const r of rows) out.get(r.id)![where] = r.quantity ?? 0;
  }
  return out;
}

/** A move done directly in Tryton, as an ERP user would (the gateway knows nothing of it). */
export async function moveInTryton(
  rpc: TrytonRpc,
  site: Site,
  product: number,
  lot: number,
  quantity: number,
  from: number,
  to: number,
): Promise<void> {
  const [unit] = await rpc.model<number[]>('product.uom', 'search', [['symbol', '=', 'u']], 0, 1, null);
  const [id] = await rpc.model<number[]>('stock.move', 'create', [
    { product, uom: unit, quantity, from_location: from, to_location: to, lot, company: site.company },
  ]);
  await rpc.model('stock.move', 'do', [id]);
}

/** Done documents per reference: more than one means a transaction was posted twice. */
export async function documentsByReference(rpc: TrytonRpc, model: string): Promise<Map<string, number>> {
  const docs = await rpc.model<{ reference: string | null; state: string }[]>(
    model,
    'search_read',
    [['state', '=', 'done']],
    0,
    null,
    null,
    ['reference', 'state'],
  );
  const out = new Map<string, number>();
  for (const d of docs) if (d.reference) out.set(d.reference, (out.get(d.reference) ?? 0) + 1);
  return out;
}
