/**
 * Tryton connector: every hold, release, void, scrap and supplier return becomes a stock
 * document moving a lot's quantity between locations (see README "Tryton"); a hold,
 * release or void moves the change of the lot's held quantity, so stacked holds move
 * stock once.
 *
 * Internal moves go through `stock.shipment.internal` (returns through
 * `stock.shipment.in.return`) rather than bare moves, for two reasons the peer's notes
 * measured: a bare `stock.move.do` never refuses an overdraw, and a move has no free text
 * field. A shipment's `assign_try` refuses stock that is not there, and its `reference`
 * carries the outbox key, so a retry searches before it creates: a lost answer never
 * posts twice. A batch is posted with one call per workflow step; when Tryton refuses a
 * batch, its rows are posted one by one so only the bad one goes to the exception queue.
 */
import type { Connector, OutgoingRow, SendResult } from '../connector.js';
import { decimal, TrytonError, type TrytonRpc } from './rpc.js';
import { resolveSite, SiteMissing, type Site, type SiteCodes } from './site.js';

type Effect = 'hold' | 'release' | 'scrap' | 'return';

/** Outbox type → stock effect. Types not listed (e.g. a split) change nothing in Tryton. */
export const EFFECTS: Partial<Record<string, Effect>> = {
  HOLD_LINE_PLACED: 'hold',
  HOLD_LINE_RELEASED: 'release',
  HOLD_LINE_VOIDED: 'release',
  SCRAP: 'scrap',
  RETURN_TO_SUPPLIER: 'return',
};

/** Types whose quantity is the change of the lot's held quantity (payload.lotHeld) when they carry it. */
export const HELD_CHANGE_TYPES = Object.keys(EFFECTS).filter(
  (t) => EFFECTS[t] === 'hold' || EFFECTS[t] === 'release',
);

/**
 * What a hold, release or void row moves: the change of the lot's held quantity when the
 * row carries it (a hold stacked on held material moves nothing, a release under another
 * active hold moves nothing); rows written before Holdgate sent it move their quantity.
 */
function heldChange(
  effect: Effect,
  p: Record<string, unknown>,
): { effect: Effect; quantity: number } | undefined {
  const h = p.lotHeld as { before?: unknown; after?: unknown } | undefined;
  if (
    (effect !== 'hold' && effect !== 'release') ||
    typeof h?.before !== 'number' ||
    typeof h.after !== 'number'
  )
    return undefined;
  // Quantities are REAL: a difference of float noise is no difference.
  const change = Math.round((h.after - h.before) * 1e6) / 1e6;
  return { effect: change >= 0 ? 'hold' : 'release', quantity: Math.abs(change) };
}

/** Signed effect on the Quality Hold location, for the inbound reconciliation. */
export const HOLD_SIGN: Record<Effect, number> = { hold: 1, release: -1, scrap: -1, return: -1 };

interface LotRef {
  id: number;
  product: number;
  uom: number;
  costPrice: number;
}

interface Plan {
  index: number;
  key: string;
  effect: Effect;
  lotNumber: string;
  quantity: number;
  lot?: LotRef;
}

interface Shipment {
  id: number;
  reference: string;
  state: string;
}

const PROGRESS: Partial<Record<string, number>> = { draft: 0, waiting: 1, assigned: 2, done: 3 };

const SHIPMENT = { internal: 'stock.shipment.internal', return: 'stock.shipment.in.return' } as const;

export interface TrytonConnectorOptions {
  codes: SiteCodes;
  prepare: boolean;
  returnParty: string;
}

export function classifyTryton(err: unknown): SendResult {
  const reason = (err as Error).message;
  if (err instanceof SiteMissing) return { kind: 'stop', reason };
  if (!(err instanceof TrytonError)) return { kind: 'retry', reason };
  if (err.failure === 'user') return { kind: 'reject', reason };
  if (err.failure === 'access') return { kind: 'stop', reason };
  if (err.failure === 'http') {
    if (err.status === 401) return { kind: 'reauth', reason };
    if (err.status === 403) return { kind: 'stop', reason };
    if (err.status !== undefined && err.status < 500 && err.status !== 408 && err.status !== 429)
      return { kind: 'reject', reason };
  }
  return { kind: 'retry', reason };
}

function quantityOf(p: Record<string, unknown>): number | undefined {
  if (typeof p.quantity === 'number' && p.quantity > 0) return p.quantity;
  if (Array.isArray(p.serials) && p.serials.length > 0) return p.serials.length;
  return undefined;
}

export class TrytonConnector implements Connector {
  private site?: Site;
  private party?: number;
  private readonly lots = new Map<string, LotRef>();

  constructor(
    readonly rpc: TrytonRpc,
    private readonly opts: TrytonConnectorOptions,
  ) {}

  async login(): Promise<void> {
    await this.rpc.login();
    this.site = undefined;
  }

  /** A logged-in session and the resolved locations (shared with the inbound pull). */
  async session(): Promise<Site> {
    if (!this.rpc.loggedIn) await this.login();
    this.site ??= await resolveSite(this.rpc, this.opts.codes, this.opts.prepare);
    return this.site;
  }

  async send(rows: OutgoingRow[]): Promise<SendResult[]> {
    const results: SendResult[] = rows.map(() => ({ kind: 'ack' }));
    try {
      await this.session();
    } catch (err) {
      return rows.map(() => classifyTryton(err));
    }
    const plans: Plan[] = [];
    for (const [index, r] of rows.entries()) {
      const effect = EFFECTS[r.type];
      if (!effect) continue;
      const p = (r.payload ?? {}) as Record<string, unknown>;
      const quantity = quantityOf(p);
      if (typeof p.lotId !== 'string' || quantity === undefined) {
        results[index] = {
          kind: 'reject',
          reason: `${r.type} needs lotId and a quantity (Tryton moves lots, not loose serials)`,
        };
        continue;
      }
      const moved = heldChange(effect, p) ?? { effect, quantity };
      // Nothing changes in Tryton: acknowledged without a document.
      if (moved.quantity === 0) continue;
      plans.push({
        index,
        key: r.idempotencyKey,
        effect: moved.effect,
        lotNumber: p.lotId,
        quantity: moved.quantity,
      });
    }
    if (plans.length === 0) return results;
    try {
      await this.resolveLots(plans);
    } catch (err) {
      for (const p of plans) results[p.index] = classifyTryton(err);
      return results;
    }
    const ready = plans.filter((p) => {
      if (p.lot) return true;
      results[p.index] = {
        kind: 'reject',
        reason: `lot ${p.lotNumber} is not known in Tryton (stock.lot.number)`,
      };
      return false;
    });
    for (const kind of ['internal', 'return'] as const) {
      const group = ready.filter((p) => (p.effect === 'return') === (kind === 'return'));
      if (group.length > 0) await this.postGroup(kind, group, results);
    }
    return results;
  }

  /** Posts a group; when Tryton refuses the batch as a whole, posts each row alone. */
  private async postGroup(kind: 'internal' | 'return', plans: Plan[], results: SendResult[]): Promise<void> {
    try {
      const refused = await this.post(kind, plans);
      for (const p of plans) results[p.index] = refused.get(p.key) ?? { kind: 'ack' };
    } catch (err) {
      const r = classifyTryton(err);
      if (r.kind === 'reject' && plans.length > 1) {
        for (const p of plans) await this.postGroup(kind, [p], results);
        return;
      }
      for (const p of plans) results[p.index] = r;
    }
  }

  /** Search → create → wait → assign → done; returns the rows Tryton refused for lack of stock. */
  private async post(kind: 'internal' | 'return', plans: Plan[]): Promise<Map<string, SendResult>> {
    const model = SHIPMENT[kind];
    const existing = await this.rpc.model<Shipment[]>(
      model,
      'search_read',
      [
        ['reference', 'in', plans.map((p) => p.key)],
        ['state', '!=', 'cancelled'],
      ],
      0,
      null,
      null,
      ['reference', 'state'],
    );
    // A create that reached Tryton after we gave up on it leaves a second, draft document
    // with the same reference: carry on with the most advanced one; a draft moves nothing.
    const byKey = new Map<string, Shipment>();
    for (const s of existing) {
      const seen = byKey.get(s.reference);
      if (!seen || (PROGRESS[s.state] ?? 0) > (PROGRESS[seen.state] ?? 0)) byKey.set(s.reference, s);
    }
    const refused = await this.shortOfStock(
      plans.filter((p) => !['assigned', 'done'].includes(byKey.get(p.key)?.state ?? '')),
    );
    // A refused row's earlier, unfinished document (e.g. created before an answer was lost) goes.
    const stale = plans
      .filter((p) => refused.has(p.key) && byKey.has(p.key))
      .map((p) => byKey.get(p.key)!.id);
    if (stale.length > 0) await this.rpc.model(model, 'cancel', stale);
    const missing = plans.filter((p) => !byKey.has(p.key) && !refused.has(p.key));
    if (missing.length > 0) {
      const values = await Promise.all(missing.map((p) => this.document(kind, p)));
      const ids = await this.rpc.model<number[]>(model, 'create', values);
      missing.forEach((p, i) => byKey.set(p.key, { id: ids[i]!, reference: p.key, state: 'draft' }));
    }
    const docs = plans.filter((p) => !refused.has(p.key)).map((p) => byKey.get(p.key)!);
    const inState = (...states: string[]) => docs.filter((d) => states.includes(d.state)).map((d) => d.id);
    const drafts = inState('draft');
    if (drafts.length > 0) await this.rpc.model(model, 'wait', drafts);
    const waiting = inState('draft', 'waiting');
    if (waiting.length > 0 && !(await this.rpc.model<boolean>(model, 'assign_try', waiting))) {
      // Find which documents lack stock; cancel those (a retry creates a fresh one).
      for (const d of docs.filter((x) => waiting.includes(x.id))) {
        if (waiting.length > 1 && (await this.rpc.model<boolean>(model, 'assign_try', [d.id]))) continue;
        await this.rpc.model(model, 'cancel', [d.id]);
        const p = plans.find((x) => x.key === d.reference)!;
        refused.set(d.reference, {
          kind: 'reject',
          reason: `Tryton refused ${p.effect} of ${p.quantity} of lot ${p.lotNumber}: its assignment failed (not enough of the product at the source location)`,
        });
      }
    }
    const assign = docs.filter(
      (d) => ['draft', 'waiting', 'assigned'].includes(d.state) && !refused.has(d.reference),
    );
    if (assign.length > 0)
      await this.rpc.model(
        model,
        'done',
        assign.map((d) => d.id),
      );
    return refused;
  }

  private from(effect: Effect): number {
    return effect === 'hold' ? this.site!.storage : this.site!.hold;
  }

  private to(effect: Effect): number {
    const s = this.site!;
    return { hold: s.hold, release: s.storage, scrap: s.scrap, return: s.supplier }[effect];
  }

  /**
   * Tryton 6.0's assign_try checks availability per product, not per lot (stock_lot does
   * not add the lot to its grouping): a hold of lot A would be "assigned" from lot B's
   * stock. So the lot's quantity at the source is checked here, one read per source
   * location; rows of one lot in a batch draw on it in sequence.
   */
  private async shortOfStock(plans: Plan[]): Promise<Map<string, SendResult>> {
    const refused = new Map<string, SendResult>();
    const bySource = new Map<number, Plan[]>();
    for (const p of plans)
      bySource.set(this.from(p.effect), [...(bySource.get(this.from(p.effect)) ?? []), p]);
    for (const [from, group] of bySource) {
      const rows = await this.rpc.modelIn<{ id: number; quantity: number | null }[]>(
        { locations: [from] },
        'stock.lot',
        'read',
        [...new Set(group.map((p) => p.lot!.id))],
        ['quantity'],
      );
      const left = new Map(rows.map((r) => [r.id, r.quantity ?? 0]));
      for (const p of group) {
        const have = left.get(p.lot!.id) ?? 0;
        if (p.quantity - have > 1e-9) {
          refused.set(p.key, {
            kind: 'reject',
            reason: `Tryton refused ${p.effect} of ${p.quantity} of lot ${p.lotNumber}: not enough stock at the source location (${have} there)`,
          });
        } else left.set(p.lot!.id, have - p.quantity);
      }
    }
    return refused;
  }

  private async document(kind: 'internal' | 'return', p: Plan): Promise<Record<string, unknown>> {
    const s = this.site!;
    const move: Record<string, unknown> = {
      product: p.lot!.product,
      uom: p.lot!.uom,
      quantity: p.quantity,
      from_location: this.from(p.effect),
      to_location: this.to(p.effect),
      lot: p.lot!.id,
      company: s.company,
    };
    const doc: Record<string, unknown> = {
      reference: p.key,
      company: s.company,
      from_location: move.from_location,
      to_location: move.to_location,
    };
    if (kind === 'return') {
      // Tryton values a move to a supplier: the product's cost price in the company currency.
      move.unit_price = decimal(p.lot!.costPrice);
      move.currency = s.currency;
      doc.supplier = await this.returnParty();
    }
    doc.moves = [['create', [move]]];
    return doc;
  }

  private async returnParty(): Promise<number> {
    if (this.party !== undefined) return this.party;
    const name = this.opts.returnParty;
    const [id] = await this.rpc.model<number[]>('party.party', 'search', [['name', '=', name]], 0, 1, null);
    this.party = id ?? (await this.rpc.model<number[]>('party.party', 'create', [{ name }]))[0]!;
    return this.party;
  }

  /** Lot number → Tryton lot, product and unit, cached (lots do not change product). */
  private async resolveLots(plans: Plan[]): Promise<void> {
    const unknown = [...new Set(plans.filter((p) => !this.lots.has(p.lotNumber)).map((p) => p.lotNumber))];
    if (unknown.length > 0) {
      const lots = await this.rpc.model<{ id: number; number: string; product: number }[]>(
        'stock.lot',
        'search_read',
        [['number', 'in', unknown]],
        0,
        null,
        null,
        ['number', 'product'],
      );
      const products = await this.rpc.model<{ id: number; default_uom: number; cost_price: number | null }[]>(
        'product.product',
        'read',
        [...new Set(lots.map((l) => l.product))],
        ['default_uom', 'cost_price'],
      );
      const byId = new Map(products.map((p) => [p.id, p]));
      for (const l of lots) {
        const prod = byId.get(l.product)!;
        this.lots.set(l.number, {
          id: l.id,
          product: l.product,
          uom: prod.default_uom,
          costPrice: prod.cost_price ?? 0,
        });
      }
    }
    for (const p of plans) p.lot = this.lots.get(p.lotNumber);
  }

  async close(): Promise<void> {
    await this.rpc.close();
  }
}
