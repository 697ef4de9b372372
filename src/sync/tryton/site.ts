/**
 * Where Holdgate's transactions land in Tryton: the company, its currency, the warehouse's
 * storage zone, the Quality Hold and Scrap locations and a supplier location, looked up
 * by code once per session. `prepare` creates what a fresh demo/test database lacks.
 */
import { decimal, type TrytonRpc } from './rpc.js';

export interface Site {
  company: number;
  currency: number;
  warehouse: number;
  storage: number;
  hold: number;
  scrap: number;
  supplier: number;
}

export interface SiteCodes {
  warehouse: string;
  hold: string;
  scrap: string;
  supplier?: string;
}

/** Something the ERP's administrators must set up; the connector stops the target with this text. */
export class SiteMissing extends Error {}

async function first(rpc: TrytonRpc, model: string, domain: unknown[]): Promise<number | undefined> {
  const ids = await rpc.model<number[]>(model, 'search', domain, 0, 1, null);
  return ids[0];
}

async function prepareCompany(rpc: TrytonRpc): Promise<void> {
  let currency = await first(rpc, 'currency.currency', [['code', '=', 'EUR']]);
  currency ??= (
    await rpc.model<number[]>('currency.currency', 'create', [
      { name: 'Euro', code: 'EUR', symbol: '€', rounding: decimal('0.01'), digits: 2 },
    ])
  )[0]!;
  let company = await first(rpc, 'company.company', []);
  if (company === undefined) {
    const [party] = await rpc.model<number[]>('party.party', 'create', [{ name: 'Holdgate Plant' }]);
    [company] = await rpc.model<number[]>('company.company', 'create', [{ party, currency }]);
  }
  await rpc.model('res.user', 'write', [rpc.uid], { companies: [['add', [company]]], company });
  rpc.context = await rpc.model('res.user', 'get_preferences', true);
}

export async function resolveSite(rpc: TrytonRpc, codes: SiteCodes, prepare: boolean): Promise<Site> {
  if (typeof rpc.context.company !== 'number') {
    if (!prepare)
      throw new SiteMissing(
        'the Tryton user has no company: set the company in its preferences (or set prepare: true for a demo database)',
      );
    await prepareCompany(rpc);
  }
  const company = rpc.context.company as number;
  const [c] = await rpc.model<{ currency: number }[]>('company.company', 'read', [company], ['currency']);
  const [wh] = await rpc.model<{ id: number; storage_location: number }[]>(
    'stock.location',
    'search_read',
    [
      ['type', '=', 'warehouse'],
      ['code', '=', codes.warehouse],
    ],
    0,
    1,
    null,
    ['storage_location'],
  );
  if (!wh)
    throw new SiteMissing(`no warehouse with code ${codes.warehouse} in Tryton: check locations.warehouse`);
  const located = async (code: string, values: Record<string, unknown>): Promise<number> => {
    const id = await first(rpc, 'stock.location', [['code', '=', code]]);
    if (id !== undefined) return id;
    if (!prepare)
      throw new SiteMissing(
        `no location with code ${code} in Tryton: create it (${String(values.type)}) or fix the target's locations`,
      );
    return (await rpc.model<number[]>('stock.location', 'create', [{ code, ...values }]))[0]!;
  };
  // Quality Hold sits beside the storage zone, not under it: counted in the warehouse's stock,
  // never picked by customer shipments (they pick from the storage zone's subtree).
  const hold = await located(codes.hold, { name: 'Quality Hold', type: 'storage', parent: wh.id });
  const scrap = await located(codes.scrap, { name: 'Scrap', type: 'lost_found' });
  const supplier = codes.supplier
    ? await located(codes.supplier, { name: 'Supplier', type: 'supplier' })
    : await first(rpc, 'stock.location', [['type', '=', 'supplier']]);
  if (supplier === undefined)
    throw new SiteMissing('Tryton has no supplier location: set locations.supplier');
  return {
    company,
    currency: c!.currency,
    warehouse: wh.id,
    storage: wh.storage_location,
    hold,
    scrap,
    supplier,
  };
}
