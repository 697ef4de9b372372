/**
 * Holds, hold lines and their serial sets. The covering-line queries are the
 * interlock's hot path: each is one indexed lookup over active lines only.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import {
  ACTIVE_LINE_STATES,
  QUARANTINE_LINE_STATES,
  type HoldType,
  type LineSpec,
  type LineState,
  type ScopeRecord,
} from '../holds/types.js';
import type { CoveringLine } from '../holds/interlock.js';

export interface HoldInsert {
  type: HoldType;
  severity: string | null;
  reason: string;
  plant: string | null;
  productFamily: string | null;
  scope: ScopeRecord;
  createdBy: string;
  ruleId: string | null;
  ruleVersion: number | null;
  approvalRoute: string | null;
  notifyRoles: string[];
  eventSeq: number | null;
  at: string;
}

export interface HoldRow {
  id: string;
  type: HoldType;
  state: 'ACTIVE' | 'CLOSED' | 'VOIDED';
  severity: string | null;
  reason: string;
  plant: string | null;
  product_family: string | null;
  scope_kind: string;
  scope: string;
  created_by: string;
  rule_id: string | null;
  rule_version: number | null;
  approval_route: string | null;
  notify_roles: string;
  event_seq: number | null;
  created_at: string;
  closed_at: string | null;
  void_reason: string | null;
}

export interface LineRow {
  id: number;
  hold_id: string;
  lot_id: string | null;
  quantity: number;
  uom: string;
  has_serials: number;
  state: LineState;
  parent_line_id: number | null;
  held_at: string;
  ended_at: string | null;
  serials?: string[];
}

const ACTIVE = ACTIVE_LINE_STATES.map((s) => `'${s}'`).join(',');

const QUARANTINE = QUARANTINE_LINE_STATES.map((s) => `'${s}'`).join(',');

const COVER_COLUMNS = `h.id AS holdId, l.id AS lineId, h.type AS holdType, h.severity AS severity, h.reason AS reason,
  l.held_at AS heldAt, l.lot_id AS lotId`;

export class HoldsRepo {
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      nextId: p('SELECT coalesce(max(rowid), 0) + 1 AS n FROM holds'),
      insertHold:
        p(`INSERT INTO holds (id, type, state, severity, reason, plant, product_family, scope_kind, scope, created_by,
          rule_id, rule_version, approval_route, notify_roles, event_seq, created_at)
        VALUES (@id, @type, 'ACTIVE', @severity, @reason, @plant, @productFamily, @scopeKind, @scope, @createdBy,
          @ruleId, @ruleVersion, @approvalRoute, @notifyRoles, @eventSeq, @at)`),
      insertLine:
        p(`INSERT INTO hold_lines (hold_id, lot_id, quantity, uom, has_serials, state, parent_line_id, held_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      insertSerial: p('INSERT INTO hold_line_serials (line_id, serial) VALUES (?, ?)'),
      hold: p('SELECT * FROM holds WHERE id = ?'),
      line: p('SELECT * FROM hold_lines WHERE id = ?'),
      lines: p('SELECT * FROM hold_lines WHERE hold_id = ? ORDER BY id'),
      serials: p('SELECT serial FROM hold_line_serials WHERE line_id = ? ORDER BY serial'),
      setLineState: p('UPDATE hold_lines SET state = ?, ended_at = ? WHERE id = ?'),
      setHoldState: p(
        'UPDATE holds SET state = ?, closed_at = ?, void_reason = coalesce(?, void_reason) WHERE id = ?',
      ),
      // Stacked holds cover the same material: whole-lot quantities add up to at most the
      // lot's quantity, and a serial held twice counts once.
      heldQuantity: p(`SELECT
          (SELECT coalesce(sum(quantity), 0) FROM hold_lines
            WHERE lot_id = @lot AND has_serials = 0 AND state IN (${QUARANTINE}))
        + (SELECT count(DISTINCT s.serial) FROM hold_line_serials s JOIN hold_lines l ON l.id = s.line_id
            WHERE l.lot_id = @lot AND l.has_serials = 1 AND l.state IN (${QUARANTINE})) AS held,
          (SELECT quantity FROM lots WHERE lot_id = @lot) AS lotQuantity`),
      events: p(`SELECT event_seq AS eventSeq, outcome, rule_id AS ruleId, rule_version AS ruleVersion, at
        FROM decisions WHERE hold_id = ? ORDER BY id`),
      activeLineCount: p(`SELECT count(*) AS n FROM hold_lines WHERE hold_id = ? AND state IN (${ACTIVE})`),
      bySerial: p(`SELECT ${COVER_COLUMNS}, 'serial' AS via FROM hold_line_serials s
        JOIN hold_lines l ON l.id = s.line_id JOIN holds h ON h.id = l.hold_id
        WHERE s.serial = ? AND l.state IN (${ACTIVE})`),
      byWholeLot: p(`SELECT ${COVER_COLUMNS}, 'lot' AS via FROM hold_lines l JOIN holds h ON h.id = l.hold_id
        WHERE l.lot_id = ? AND l.has_serials = 0 AND l.state IN (${ACTIVE})`),
      bySerialsOfLot:
        p(`SELECT ${COVER_COLUMNS}, 'serial' AS via FROM hold_lines l JOIN holds h ON h.id = l.hold_id
        WHERE l.lot_id = ? AND l.has_serials = 1 AND l.state IN (${ACTIVE})`),
      list: p(
        `SELECT * FROM holds WHERE (@state IS NULL OR state = @state) ORDER BY created_at DESC, id DESC LIMIT @limit`,
      ),
    };
  }

  insertHold(h: HoldInsert): string {
    const n = (this.s.nextId!.get() as { n: number }).n;
    const id = `H-${String(n).padStart(6, '0')}`;
    this.s.insertHold!.run({
      ...h,
      id,
      scopeKind: h.scope.kind,
      scope: JSON.stringify(h.scope),
      notifyRoles: JSON.stringify(h.notifyRoles),
    });
    return id;
  }

  insertLine(holdId: string, spec: LineSpec, state: LineState, parent: number | null, at: string): number {
    const info = this.s.insertLine!.run(
      holdId,
      spec.lotId,
      spec.quantity,
      spec.uom,
      spec.serials ? 1 : 0,
      state,
      parent,
      at,
    );
    const id = Number(info.lastInsertRowid);
    for (const serial of spec.serials ?? []) this.s.insertSerial!.run(id, serial);
    return id;
  }

  hold(id: string): HoldRow | undefined {
    return this.s.hold!.get(id) as HoldRow | undefined;
  }

  line(id: number, withSerials = true): LineRow | undefined {
    const row = this.s.line!.get(id) as LineRow | undefined;
    if (row && withSerials && row.has_serials) row.serials = this.serials(id);
    return row;
  }

  lines(holdId: string, withSerials = false): LineRow[] {
    const rows = this.s.lines!.all(holdId) as LineRow[];
    if (withSerials) for (const r of rows) if (r.has_serials) r.serials = this.serials(r.id);
    return rows;
  }

  serials(lineId: number): string[] {
    return (this.s.serials!.all(lineId) as { serial: string }[]).map((r) => r.serial);
  }

  setLineState(id: number, state: LineState, at: string): void {
    this.s.setLineState!.run(
      state,
      (ACTIVE_LINE_STATES as readonly string[]).includes(state) ? null : at,
      id,
    );
  }

  setHoldState(id: string, state: HoldRow['state'], at: string | null, voidReason?: string): void {
    this.s.setHoldState!.run(state, at, voidReason ?? null, id);
  }

  /**
   * How much of a lot is in quarantine under any hold: what an ERP's quality-hold
   * location should show for it.
   */
  heldQuantity(lotId: string): number {
    const r = this.s.heldQuantity!.get({ lot: lotId }) as { held: number; lotQuantity: number | null };
    return r.lotQuantity === null ? r.held : Math.min(r.held, r.lotQuantity);
  }

  /** The classified events behind a hold: the one that placed it, then those that joined it. */
  events(
    holdId: string,
  ): { eventSeq: number; outcome: string; ruleId: string; ruleVersion: number; at: string }[] {
    return this.s.events!.all(holdId) as ReturnType<HoldsRepo['events']>;
  }

  activeLineCount(holdId: string): number {
    return (this.s.activeLineCount!.get(holdId) as { n: number }).n;
  }

  /** Active lines covering a serial: through its own serial set or its whole lot. */
  coveringSerial(serial: string, lotId: string | null): CoveringLine[] {
    const direct = this.s.bySerial!.all(serial) as CoveringLine[];
    return lotId ? [...direct, ...(this.s.byWholeLot!.all(lotId) as CoveringLine[])] : direct;
  }

  /** Active lines covering a lot: the whole lot, or some of its serials (then the lot is partly held). */
  coveringLot(lotId: string): CoveringLine[] {
    return [
      ...(this.s.byWholeLot!.all(lotId) as CoveringLine[]),
      ...(this.s.bySerialsOfLot!.all(lotId) as CoveringLine[]),
    ];
  }

  list(filter: { state?: string; limit?: number } = {}): HoldRow[] {
    return this.s.list!.all({ state: filter.state ?? null, limit: filter.limit ?? 100 }) as HoldRow[];
  }
}
