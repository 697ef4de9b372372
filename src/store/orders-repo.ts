/**
 * Customer orders with their allocations, work orders with the lots they will consume,
 * supplier receipts — and the order impact of a hold: what it puts at risk, found when
 * the hold is placed (inside the hold's transaction) and kept on the hold.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { LineSpec } from '../holds/types.js';

export interface OrderLineRecord {
  order_id: string;
  line_no: number;
  customer: string;
  item: string;
  quantity: number;
  promised_date?: string | null;
  status?: string;
  allocations: { lot_id?: string | null; serial?: string | null; quantity: number }[];
}

export interface WorkOrderRecord {
  work_order: string;
  item: string;
  lot_id?: string | null;
  line?: string | null;
  quantity?: number | null;
  scheduled_start?: string | null;
  status?: string;
  components: { component_lot: string; quantity: number }[];
}

export interface ReceiptRecord {
  receipt_id: string;
  supplier: string;
  item: string;
  lot_id: string;
  supplier_lot?: string | null;
  quantity: number;
  received_at: string;
}

export interface Impact {
  id: number;
  holdId: string;
  lineId: number;
  kind: 'CUSTOMER_ORDER' | 'WORK_ORDER' | 'SUPPLIER_RECEIPT';
  ref: string;
  party: string | null;
  item: string | null;
  quantity: number | null;
  due: string | null;
  detectedAt: string;
  resolvedAt: string | null;
}

const impactColumns = (t: string) =>
  `${t}id AS id, ${t}hold_id AS holdId, ${t}line_id AS lineId, ${t}kind AS kind, ${t}ref AS ref, ${t}party AS party,
   ${t}item AS item, ${t}quantity AS quantity, ${t}due AS due, ${t}detected_at AS detectedAt, ${t}resolved_at AS resolvedAt`;

export class OrdersRepo {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      upsertOrderLine:
        p(`INSERT INTO customer_order_lines (order_id, line_no, customer, item, quantity, promised_date, status)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (order_id, line_no) DO UPDATE SET customer = excluded.customer, item = excluded.item,
        quantity = excluded.quantity, promised_date = excluded.promised_date, status = excluded.status`),
      clearAllocations: p(
        'DELETE FROM order_allocations WHERE order_id = ? AND line_no = ? AND flagged_hold IS NULL',
      ),
      insertAllocation:
        p(`INSERT INTO order_allocations (order_id, line_no, lot_id, serial, quantity) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (order_id, line_no, lot_id, serial) DO UPDATE SET quantity = excluded.quantity`),
      upsertWorkOrder:
        p(`INSERT INTO work_orders (work_order, item, lot_id, line, quantity, scheduled_start, status) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (work_order) DO UPDATE SET item = excluded.item, lot_id = excluded.lot_id, line = excluded.line,
        quantity = excluded.quantity, scheduled_start = excluded.scheduled_start, status = excluded.status`),
      upsertComponent:
        p(`INSERT INTO work_order_components (work_order, component_lot, quantity) VALUES (?, ?, ?)
        ON CONFLICT (work_order, component_lot) DO UPDATE SET quantity = excluded.quantity`),
      upsertReceipt:
        p(`INSERT INTO supplier_receipts (receipt_id, supplier, item, lot_id, supplier_lot, quantity, received_at)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (receipt_id) DO UPDATE SET supplier = excluded.supplier, item = excluded.item,
        lot_id = excluded.lot_id, supplier_lot = excluded.supplier_lot, quantity = excluded.quantity, received_at = excluded.received_at`),
      allocByLot:
        p(`SELECT a.id, a.order_id, a.line_no, a.quantity, o.customer, o.item, o.promised_date FROM order_allocations a
        JOIN customer_order_lines o ON o.order_id = a.order_id AND o.line_no = a.line_no
        WHERE a.lot_id = ? AND a.serial IS NULL AND o.status = 'OPEN'`),
      allocBySerial:
        p(`SELECT a.id, a.order_id, a.line_no, a.quantity, o.customer, o.item, o.promised_date FROM order_allocations a
        JOIN customer_order_lines o ON o.order_id = a.order_id AND o.line_no = a.line_no
        WHERE a.serial = ? AND o.status = 'OPEN'`),
      allocBySerialsOfLot:
        p(`SELECT a.id, a.order_id, a.line_no, a.quantity, o.customer, o.item, o.promised_date FROM order_allocations a
        JOIN customer_order_lines o ON o.order_id = a.order_id AND o.line_no = a.line_no
        JOIN units u ON u.serial = a.serial WHERE u.lot_id = ? AND o.status = 'OPEN'`),
      flag: p('UPDATE order_allocations SET flagged_hold = ? WHERE id = ?'),
      workOrdersOfLot:
        p(`SELECT w.work_order, w.item, w.scheduled_start, c.quantity FROM work_order_components c
        JOIN work_orders w ON w.work_order = c.work_order WHERE c.component_lot = ? AND w.status IN ('PLANNED', 'RELEASED', 'IN_PROGRESS')`),
      receiptsOfLot: p(
        'SELECT receipt_id, supplier, item, quantity, received_at FROM supplier_receipts WHERE lot_id = ?',
      ),
      insertImpact:
        p(`INSERT INTO order_impacts (hold_id, line_id, kind, ref, party, item, quantity, due, detected_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      impactsOfHold: p(`SELECT ${impactColumns('')} FROM order_impacts WHERE hold_id = ? ORDER BY id`),
    };
  }

  upsertOrderLine(o: OrderLineRecord): void {
    this.s.upsertOrderLine!.run(
      o.order_id,
      o.line_no,
      o.customer,
      o.item,
      o.quantity,
      o.promised_date ?? null,
      o.status ?? 'OPEN',
    );
    this.s.clearAllocations!.run(o.order_id, o.line_no);
    for (const a of o.allocations)
      this.s.insertAllocation!.run(o.order_id, o.line_no, a.lot_id ?? null, a.serial ?? null, a.quantity);
  }

  upsertWorkOrder(w: WorkOrderRecord): void {
    this.s.upsertWorkOrder!.run(
      w.work_order,
      w.item,
      w.lot_id ?? null,
      w.line ?? null,
      w.quantity ?? null,
      w.scheduled_start ?? null,
      w.status ?? 'PLANNED',
    );
    for (const c of w.components) this.s.upsertComponent!.run(w.work_order, c.component_lot, c.quantity);
  }

  upsertReceipt(r: ReceiptRecord): void {
    this.s.upsertReceipt!.run(
      r.receipt_id,
      r.supplier,
      r.item,
      r.lot_id,
      r.supplier_lot ?? null,
      r.quantity,
      r.received_at,
    );
  }

  /**
   * Records what a new hold line puts at risk: open customer order lines allocated to
   * the held lot or serials (those allocations are flagged), work orders scheduled to
   * consume the lot, and supplier receipts behind it (supplier claim candidates).
   */
  recordImpacts(holdId: string, lineId: number, line: LineSpec, at: string): number {
    type Alloc = {
      id: number;
      order_id: string;
      line_no: number;
      quantity: number;
      customer: string;
      item: string;
      promised_date: string | null;
    };
    const allocs = new Map<number, Alloc>();
    const add = (rows: unknown[]) => rows.forEach((a) => allocs.set((a as Alloc).id, a as Alloc));
    if (line.serials) {
      for (const s of line.serials) add(this.s.allocBySerial!.all(s));
      // A lot allocation is at risk for as much of it as is held.
      if (line.lotId)
        add(
          this.s
            .allocByLot!.all(line.lotId)
            .map((a) => ({ ...(a as Alloc), quantity: Math.min((a as Alloc).quantity, line.quantity) })),
        );
    } else if (line.lotId) {
      add(this.s.allocByLot!.all(line.lotId));
      add(this.s.allocBySerialsOfLot!.all(line.lotId));
    }
    let n = 0;
    for (const a of allocs.values()) {
      this.s.flag!.run(holdId, a.id);
      this.s.insertImpact!.run(
        holdId,
        lineId,
        'CUSTOMER_ORDER',
        `${a.order_id}/${a.line_no}`,
        a.customer,
        a.item,
        a.quantity,
        a.promised_date,
        at,
      );
      n++;
    }
    if (line.lotId) {
      for (const w of this.s.workOrdersOfLot!.all(line.lotId) as {
        work_order: string;
        item: string;
        scheduled_start: string | null;
        quantity: number;
      }[]) {
        this.s.insertImpact!.run(
          holdId,
          lineId,
          'WORK_ORDER',
          w.work_order,
          null,
          w.item,
          w.quantity,
          w.scheduled_start,
          at,
        );
        n++;
      }
      for (const r of this.s.receiptsOfLot!.all(line.lotId) as {
        receipt_id: string;
        supplier: string;
        item: string;
        quantity: number;
        received_at: string;
      }[]) {
        this.s.insertImpact!.run(
          holdId,
          lineId,
          'SUPPLIER_RECEIPT',
          r.receipt_id,
          r.supplier,
          r.item,
          r.quantity,
          r.received_at,
          at,
        );
        n++;
      }
    }
    return n;
  }

  /**
   * A hold no longer covers a lot: the customer allocations it flagged on that lot (or on
   * serials of it) get their allocation back, and its impacts on that lot are resolved.
   */
  restoreLot(holdId: string, lotId: string, at: string): number {
    const unflagged = this.db
      .prepare(
        `UPDATE order_allocations SET flagged_hold = NULL WHERE flagged_hold = ?
         AND (lot_id = ? OR serial IN (SELECT serial FROM units WHERE lot_id = ?))`,
      )
      .run(holdId, lotId, lotId).changes;
    this.db
      .prepare(
        `UPDATE order_impacts SET resolved_at = ? WHERE hold_id = ? AND resolved_at IS NULL
         AND line_id IN (SELECT id FROM hold_lines WHERE hold_id = ? AND lot_id = ?)`,
      )
      .run(at, holdId, holdId, lotId);
    return unflagged;
  }

  impactsOfHold(holdId: string): Impact[] {
    return this.s.impactsOfHold!.all(holdId) as Impact[];
  }

  /** Open impacts across holds, e.g. "which customer orders are at risk?". */
  openImpacts(filter: {
    kind?: Impact['kind'];
    activeOnly?: boolean;
    limit?: number;
  }): (Impact & { holdState: string; holdType: string })[] {
    const where = ['i.resolved_at IS NULL'];
    const args: unknown[] = [];
    if (filter.kind) {
      where.push('i.kind = ?');
      args.push(filter.kind);
    }
    if (filter.activeOnly ?? true) where.push("h.state = 'ACTIVE'");
    return this.db
      .prepare(
        `SELECT ${impactColumns('i.')}, h.state AS holdState, h.type AS holdType
         FROM order_impacts i JOIN holds h ON h.id = i.hold_id WHERE ${where.join(' AND ')} ORDER BY i.due IS NULL, i.due, i.id LIMIT ?`,
      )
      .all(...args, filter.limit ?? 500) as (Impact & { holdState: string; holdType: string })[];
  }
}
