/**
 * Scheduled pull from Tryton: products, lots and per-lot quantities, upserted locally so
 * containment keeps working offline; then a reconciliation of Tryton's Quality Hold
 * location against what Holdgate's acknowledged transactions say it should hold. A
 * difference (someone moved held stock in the ERP) is never applied silently: it becomes
 * an open conflict a person accepts, or it clears when Tryton matches again.
 */
import type { Repos } from '../../containment/repos.js';
import type { GroupCommitWriter } from '../../store/group-commit.js';
import type { Logger } from '../../log.js';
import type { ErpConflict } from '../../store/erp-repo.js';
import { EFFECTS, HELD_CHANGE_TYPES, HOLD_SIGN, type TrytonConnector } from './connector.js';

export const HOLD_CONFLICT = 'HOLD_QUANTITY';

export interface PullReport {
  items: number;
  lots: number;
  raised: number;
  cleared: number;
  open: number;
}

interface LotRow {
  id: number;
  number: string;
  product: number;
  quantity: number | null;
}

const SIGNS = Object.fromEntries(Object.entries(EFFECTS).map(([type, e]) => [type, HOLD_SIGN[e!]]));

export class TrytonInbound {
  private timer?: NodeJS.Timeout;
  private running?: Promise<PullReport>;

  constructor(
    private readonly target: string,
    private readonly intervalS: number,
    private readonly plant: string | undefined,
    private readonly connector: TrytonConnector,
    private readonly repos: Repos,
    private readonly writer: GroupCommitWriter,
    private readonly log: Logger,
    private readonly onConflict: (c: ErpConflict) => void = () => {},
  ) {}

  start(): void {
    const loop = () => {
      this.pull()
        .catch((err: unknown) =>
          this.log.warn({ err: (err as Error).message }, 'Tryton pull failed; next try later'),
        )
        .finally(() => {
          this.timer = setTimeout(loop, this.intervalS * 1000);
          this.timer.unref();
        });
    };
    this.timer = setTimeout(loop, 0);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.connector.close();
  }

  /** One pull; concurrent callers share the one in progress. */
  pull(): Promise<PullReport> {
    this.running ??= this.pullOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pullOnce(): Promise<PullReport> {
    const startedAt = new Date().toISOString();
    const pendingBefore = this.repos.erp.pendingLots(this.target);
    const site = await this.connector.session();
    const rpc = this.connector.rpc;
    const products = await rpc.model<
      { id: number; code: string | null; rec_name: string; cost_price: number | null; default_uom: number }[]
    >('product.product', 'search_read', [], 0, null, null, ['code', 'rec_name', 'cost_price', 'default_uom']);
    const uoms = await rpc.model<{ id: number; symbol: string }[]>(
      'product.uom',
      'read',
      [...new Set(products.map((p) => p.default_uom))],
      ['symbol'],
    );
    const symbol = new Map(uoms.map((u) => [u.id, u.symbol]));
    const lotsIn = (location: number) =>
      rpc.modelIn<LotRow[]>(
        { locations: [location] },
        'stock.lot',
        'search_read',
        [],
        0,
        null,
        [['id', 'ASC']],
        ['number', 'product', 'quantity'],
      );
    const inWarehouse = await lotsIn(site.warehouse);
    const inHold = new Map((await lotsIn(site.hold)).map((l) => [l.number, l.quantity ?? 0]));
    const byProduct = new Map(products.map((p) => [p.id, p]));
    const at = new Date().toISOString();

    return this.writer.submit(() => {
      let items = 0;
      for (const p of products) {
        if (!p.code) continue; // Holdgate keys items by part number; Tryton's code is it
        this.repos.erp.mergeItem({
          part_number: p.code,
          unit_cost: p.cost_price ?? 0,
          uom: symbol.get(p.default_uom) ?? 'EA',
          description: p.rec_name,
        });
        items++;
      }
      const moving = this.inMotion(pendingBefore, startedAt);
      for (const l of inWarehouse)
        this.repos.material.upsertLot({
          lot_id: l.number,
          item: byProduct.get(l.product)?.code ?? null,
          // A lot in motion keeps Holdgate's quantity: Tryton has not posted a scrap or
          // return Holdgate already executed (the next pull takes Tryton's figure).
          quantity: moving.has(l.number) ? null : (l.quantity ?? 0),
          uom: symbol.get(byProduct.get(l.product)?.default_uom ?? -1) ?? 'EA',
          plant: this.plant ?? null,
        });
      const counts = this.reconcile(inHold, moving, at);
      return { items, lots: inWarehouse.length, ...counts };
    });
  }

  /** Lots whose rows are queued, or were acknowledged while we read Tryton (run in the commit). */
  private inMotion(pendingBefore: Set<string>, since: string): Set<string> {
    const t = this.target;
    return new Set([
      ...pendingBefore,
      ...this.repos.erp.pendingLots(t),
      ...this.repos.erp.ackedSince(t, since),
    ]);
  }

  /** Runs in the commit: compares Tryton's hold location with the acknowledged ledger. */
  private reconcile(found: Map<string, number>, skip: Set<string>, at: string) {
    const t = this.target;
    const expected = this.repos.erp.expectedHold(t, SIGNS, HOLD_CONFLICT, HELD_CHANGE_TYPES);
    const lots = new Set([...expected.keys(), ...found.keys()]);
    let raised = 0;
    let cleared = 0;
    const actor = { type: 'service' as const, id: `sync:${t}` };
    for (const lot of lots) {
      if (skip.has(lot)) continue;
      const want = round(expected.get(lot) ?? 0);
      const have = round(found.get(lot) ?? 0);
      const open = this.repos.erp.openConflict(t, lot, HOLD_CONFLICT);
      if (want === have) {
        if (open && this.repos.erp.closeConflict(open.id, 'CLEARED', at, null, 'Tryton matches again')) {
          cleared++;
          this.repos.audit.append({
            at,
            actor,
            source: t,
            action: 'ERP_CONFLICT_CLEARED',
            entityType: 'erp_conflict',
            entityId: String(open.id),
            before: { expected: open.expected, found: open.found },
            after: { expected: want, found: have },
          });
        }
        continue;
      }
      if (open) {
        if (open.expected !== want || open.found !== have) this.repos.erp.refresh(open.id, want, have, at);
        continue;
      }
      const id = this.repos.erp.raise(t, lot, HOLD_CONFLICT, want, have, at);
      raised++;
      this.repos.audit.append({
        at,
        actor,
        source: t,
        action: 'ERP_CONFLICT',
        entityType: 'erp_conflict',
        entityId: String(id),
        after: { lot, expected: want, found: have },
        reason: `Tryton's hold location shows ${have} of lot ${lot}; Holdgate's acknowledged transactions say ${want}`,
      });
      this.onConflict(this.repos.erp.conflict(id)!);
    }
    return { raised, cleared, open: this.repos.erp.openConflicts(t).length };
  }
}

/** Quantities are floats on both sides; compare them at a precision no unit of measure needs more of. */
function round(q: number): number {
  return Math.round(q * 1e6) / 1e6;
}
