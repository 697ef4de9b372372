/**
 * What Holdgate knows about an ERP target's stock: master data pulled from it, the hold
 * ledger its acknowledged transactions imply, and the conflicts between the two.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

export interface ErpConflict {
  id: number;
  target: string;
  lot_id: string;
  kind: string;
  expected: number;
  found: number;
  state: 'OPEN' | 'CLEARED' | 'ACCEPTED';
  detected_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: string | null;
  note: string | null;
  adjustment: number;
}

/** Per outbox type, the sign of its effect on the ERP's hold location. */
export type HoldSigns = Partial<Record<string, number>>;

export class ErpRepo {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      // An item first seen in the ERP is lot-tracked; family, GTIN and tracking set by
      // Holdgate's own imports are kept.
      mergeItem: p(`INSERT INTO items (part_number, tracking_mode, unit_cost, uom, description)
        VALUES (@part_number, 'LOT', @unit_cost, @uom, @description)
        ON CONFLICT (part_number) DO UPDATE SET unit_cost = excluded.unit_cost, uom = excluded.uom,
          description = coalesce(excluded.description, description)`),
      pending: p(`SELECT DISTINCT json_extract(coalesce(d.payload_override, o.payload), '$.lotId') AS lot
        FROM sync_deliveries d JOIN outbox o ON o.seq = d.seq
        WHERE d.target = ? AND d.state IN ('QUEUED', 'DEAD')`),
      ackedSince: p(`SELECT DISTINCT json_extract(coalesce(d.payload_override, o.payload), '$.lotId') AS lot
        FROM sync_deliveries d JOIN outbox o ON o.seq = d.seq
        WHERE d.target = ? AND d.state = 'ACKED' AND d.acked_at >= ?`),
      adjustments: p(`SELECT lot_id, sum(adjustment) AS adj FROM erp_conflicts
        WHERE target = ? AND kind = ? AND state = 'ACCEPTED' GROUP BY lot_id`),
      open: p(`SELECT * FROM erp_conflicts WHERE target = ? AND state = 'OPEN' ORDER BY id`),
      openOf: p(
        `SELECT * FROM erp_conflicts WHERE target = ? AND lot_id = ? AND kind = ? AND state = 'OPEN'`,
      ),
      insert: p(`INSERT INTO erp_conflicts (target, lot_id, kind, expected, found, detected_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      update: p(`UPDATE erp_conflicts SET expected = ?, found = ?, updated_at = ? WHERE id = ?`),
      close: p(`UPDATE erp_conflicts SET state = ?, closed_at = ?, closed_by = ?, note = ?, adjustment = ?
        WHERE id = ? AND state = 'OPEN'`),
      byId: p(`SELECT * FROM erp_conflicts WHERE id = ?`),
      list: p(
        `SELECT * FROM erp_conflicts WHERE (@state IS NULL OR state = @state) ORDER BY id DESC LIMIT @limit`,
      ),
    };
  }

  mergeItem(r: { part_number: string; unit_cost: number; uom: string; description: string | null }): void {
    this.s.mergeItem!.run(r);
  }

  /** Lots with rows this target has not acknowledged yet: their ERP figures are in motion. */
  pendingLots(target: string): Set<string> {
    return new Set(
      (this.s.pending!.all(target) as { lot: string | null }[]).flatMap((r) => (r.lot ? [r.lot] : [])),
    );
  }

  /** Lots with rows acknowledged since `at` (they may have moved after a read of the ERP). */
  ackedSince(target: string, at: string): Set<string> {
    return new Set(
      (this.s.ackedSince!.all(target, at) as { lot: string | null }[]).flatMap((r) => (r.lot ? [r.lot] : [])),
    );
  }

  /**
   * What the ERP's hold location should hold per lot: the signed quantities of every row
   * this target acknowledged, plus the differences people accepted.
   */
  expectedHold(
    target: string,
    signs: HoldSigns,
    kind: string,
    heldTypes: readonly string[] = [],
  ): Map<string, number> {
    const types = Object.keys(signs);
    const quote = (t: string) => `'${t.replace(/'/g, "''")}'`;
    const cases = types.map((t) => `WHEN ${quote(t)} THEN ${signs[t]!}`).join(' ');
    // Rows of `heldTypes` that carry the lot's held quantity before/after moved the difference
    // (a stacked hold moves nothing); older rows and the others move sign × quantity.
    const held = heldTypes.length > 0 ? heldTypes.map(quote).join(',') : "''";
    const rows = this.db
      .prepare(
        `SELECT lot, sum(CASE WHEN held_change IS NOT NULL THEN held_change ELSE sign * qty END) AS qty FROM (
           SELECT json_extract(pl, '$.lotId') AS lot, CASE type ${cases} ELSE 0 END AS sign,
             CASE WHEN type IN (${held}) AND json_type(pl, '$.lotHeld') = 'object'
               THEN json_extract(pl, '$.lotHeld.after') - json_extract(pl, '$.lotHeld.before') END AS held_change,
             coalesce(json_extract(pl, '$.quantity'), json_array_length(pl, '$.serials'), 0) AS qty
           FROM (SELECT o.type, coalesce(d.payload_override, o.payload) AS pl
                 FROM sync_deliveries d JOIN outbox o ON o.seq = d.seq
                 WHERE d.target = ? AND d.state = 'ACKED'))
         WHERE lot IS NOT NULL GROUP BY lot`,
      )
      .all(target) as { lot: string; qty: number }[];
    const out = new Map(rows.map((r) => [r.lot, r.qty]));
    for (const a of this.s.adjustments!.all(target, kind) as { lot_id: string; adj: number }[])
      out.set(a.lot_id, (out.get(a.lot_id) ?? 0) + a.adj);
    return out;
  }

  openConflict(target: string, lot: string, kind: string): ErpConflict | undefined {
    return this.s.openOf!.get(target, lot, kind) as ErpConflict | undefined;
  }

  openConflicts(target: string): ErpConflict[] {
    return this.s.open!.all(target) as ErpConflict[];
  }

  raise(target: string, lot: string, kind: string, expected: number, found: number, at: string): number {
    return Number(this.s.insert!.run(target, lot, kind, expected, found, at, at).lastInsertRowid);
  }

  refresh(id: number, expected: number, found: number, at: string): void {
    this.s.update!.run(expected, found, at, id);
  }

  closeConflict(
    id: number,
    state: 'CLEARED' | 'ACCEPTED',
    at: string,
    by: string | null,
    note: string | null,
    adjustment = 0,
  ): boolean {
    return this.s.close!.run(state, at, by, note, adjustment, id).changes === 1;
  }

  conflict(id: number): ErpConflict | undefined {
    return this.s.byId!.get(id) as ErpConflict | undefined;
  }

  conflicts(state: string | null, limit: number): ErpConflict[] {
    return this.s.list!.all({ state, limit }) as ErpConflict[];
  }
}
