/**
 * Material and plant context: items, locations, lots, work orders, units, process
 * history and component consumption. Implements the domain's read-only MaterialView.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { LotInfo, MaterialView, UnitInfo } from '../holds/scope.js';

export interface ItemRecord {
  part_number: string;
  gtin?: string | null;
  family?: string | null;
  tracking_mode?: 'NONE' | 'LOT' | 'SERIAL' | 'LOT_AND_SERIAL';
  unit_cost?: number;
  uom?: string;
  description?: string | null;
}

export interface LotRecord {
  lot_id: string;
  item?: string | null;
  quantity?: number | null;
  uom?: string;
  parent_lot?: string | null;
  supplier_lot?: string | null;
  supplier?: string | null;
  plant?: string | null;
  line?: string | null;
}

export interface UnitRecord {
  serial: string;
  item?: string | null;
  lot_id?: string | null;
  location?: string | null;
  lifecycle?: 'ACTIVE' | 'CONSUMED' | 'SHIPPED' | 'SCRAPPED';
}

export interface LocationRecord {
  id: string;
  plant: string;
  area?: string | null;
  line?: string | null;
  station?: string | null;
  quarantine?: boolean;
}

export interface ProcessStep {
  serial: string;
  kind: string;
  plant?: string;
  line?: string;
  station?: string;
  machine?: string;
  shift?: string;
  workOrder?: string;
  transactionId?: string;
  at: string;
  result?: string;
  eventSeq: number;
}

type Row = Record<string, unknown>;

export class MaterialRepo implements MaterialView {
  private readonly s: Record<string, Statement>;

  constructor(db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      upsertItem: p(`INSERT INTO items (part_number, gtin, family, tracking_mode, unit_cost, uom, description)
        VALUES (@part_number, @gtin, @family, @tracking_mode, @unit_cost, @uom, @description)
        ON CONFLICT (part_number) DO UPDATE SET gtin = excluded.gtin, family = excluded.family,
          tracking_mode = excluded.tracking_mode, unit_cost = excluded.unit_cost, uom = excluded.uom, description = excluded.description`),
      upsertLot:
        p(`INSERT INTO lots (lot_id, item, quantity, uom, parent_lot, supplier_lot, supplier, plant, line)
        VALUES (@lot_id, @item, @quantity, @uom, @parent_lot, @supplier_lot, @supplier, @plant, @line)
        ON CONFLICT (lot_id) DO UPDATE SET item = coalesce(excluded.item, item), quantity = coalesce(excluded.quantity, quantity),
          uom = excluded.uom, parent_lot = coalesce(excluded.parent_lot, parent_lot), supplier_lot = coalesce(excluded.supplier_lot, supplier_lot),
          supplier = coalesce(excluded.supplier, supplier), plant = coalesce(excluded.plant, plant), line = coalesce(excluded.line, line)`),
      upsertUnit: p(`INSERT INTO units (serial, item, lot_id, location, lifecycle, created_at)
        VALUES (@serial, @item, @lot_id, @location, @lifecycle, @created_at)
        ON CONFLICT (serial) DO UPDATE SET item = coalesce(excluded.item, item), lot_id = coalesce(excluded.lot_id, lot_id),
          location = coalesce(excluded.location, location), lifecycle = excluded.lifecycle`),
      upsertLocation: p(`INSERT INTO locations (id, plant, area, line, station, quarantine)
        VALUES (@id, @plant, @area, @line, @station, @quarantine)
        ON CONFLICT (id) DO UPDATE SET plant = excluded.plant, area = excluded.area, line = excluded.line,
          station = excluded.station, quarantine = excluded.quarantine`),
      upsertWorkOrder: p(`INSERT INTO work_orders (work_order, item, lot_id, line) VALUES (?, ?, ?, ?)
        ON CONFLICT (work_order) DO UPDATE SET item = excluded.item, lot_id = excluded.lot_id, line = excluded.line`),
      workOrder: p('SELECT item, lot_id AS lotId, line FROM work_orders WHERE work_order = ?'),
      // Units first seen in an event: created without overwriting what an import knows.
      seeUnit: p(`INSERT INTO units (serial, item, lot_id, created_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (serial) DO UPDATE SET item = coalesce(units.item, excluded.item), lot_id = coalesce(units.lot_id, excluded.lot_id)`),
      touchLot:
        p(`INSERT INTO lots (lot_id, item, line, plant, first_seen_at, last_seen_at) VALUES (@lot, @item, @line, @plant, @at, @at)
        ON CONFLICT (lot_id) DO UPDATE SET item = coalesce(lots.item, excluded.item), line = coalesce(lots.line, excluded.line),
          plant = coalesce(lots.plant, excluded.plant),
          first_seen_at = min(coalesce(lots.first_seen_at, excluded.first_seen_at), excluded.first_seen_at),
          last_seen_at = max(coalesce(lots.last_seen_at, excluded.last_seen_at), excluded.last_seen_at)`),
      reduceLot: p(
        'UPDATE lots SET quantity = max(0, quantity - ?) WHERE lot_id = ? AND quantity IS NOT NULL',
      ),
      step: p(`INSERT INTO process_steps (serial, kind, plant, line, station, machine, shift, work_order, transaction_id, at, result, event_seq)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      consume: p(
        'INSERT INTO consumption (serial, component_lot, component_item, quantity, at) VALUES (?, ?, ?, ?, ?)',
      ),
      unit: p('SELECT serial, item, lot_id AS lotId FROM units WHERE serial = ?'),
      lot: p('SELECT lot_id AS lotId, item, quantity, uom, line FROM lots WHERE lot_id = ?'),
      item: p('SELECT * FROM items WHERE part_number = ?'),
      unitCount: p('SELECT count(*) AS n FROM units WHERE lot_id = ?'),
      serialsOfLot: p('SELECT serial FROM units WHERE lot_id = ? ORDER BY serial'),
      siblings: p(
        `SELECT lot_id FROM lots WHERE item = ? AND line = ? AND last_seen_at >= ? AND first_seen_at <= ? ORDER BY lot_id`,
      ),
      byLine:
        p(`SELECT DISTINCT u.serial, u.item, u.lot_id AS lotId FROM process_steps s JOIN units u ON u.serial = s.serial
        WHERE s.line = ? AND s.at BETWEEN ? AND ?`),
      byStation:
        p(`SELECT DISTINCT u.serial, u.item, u.lot_id AS lotId FROM process_steps s JOIN units u ON u.serial = s.serial
        WHERE s.station = @value AND (@line IS NULL OR s.line = @line) AND s.at BETWEEN @from AND @to`),
      byMachine:
        p(`SELECT DISTINCT u.serial, u.item, u.lot_id AS lotId FROM process_steps s JOIN units u ON u.serial = s.serial
        WHERE s.machine = ? AND s.machine IS NOT NULL AND s.at BETWEEN ? AND ?`),
      consumers:
        p(`SELECT DISTINCT u.serial, u.item, u.lot_id AS lotId FROM consumption c JOIN units u ON u.serial = c.serial
        WHERE c.component_lot = ?`),
      history: p('SELECT * FROM process_steps WHERE serial = ? ORDER BY at, id'),
    };
  }

  upsertItem(r: ItemRecord): void {
    this.s.upsertItem!.run({
      gtin: null,
      family: null,
      tracking_mode: 'SERIAL',
      unit_cost: 0,
      uom: 'EA',
      description: null,
      ...r,
    });
  }

  upsertLot(r: LotRecord): void {
    this.s.upsertLot!.run({
      item: null,
      quantity: null,
      uom: 'EA',
      parent_lot: null,
      supplier_lot: null,
      supplier: null,
      plant: null,
      line: null,
      ...r,
    });
  }

  upsertUnit(r: UnitRecord, at: string): void {
    this.s.upsertUnit!.run({
      item: null,
      lot_id: null,
      location: null,
      lifecycle: 'ACTIVE',
      ...r,
      created_at: at,
    });
  }

  upsertLocation(r: LocationRecord): void {
    this.s.upsertLocation!.run({
      area: null,
      line: null,
      station: null,
      ...r,
      quarantine: r.quarantine ? 1 : 0,
    });
  }

  upsertWorkOrder(workOrder: string, item: string | null, lotId: string | null, line: string | null): void {
    this.s.upsertWorkOrder!.run(workOrder, item, lotId, line);
  }

  workOrder(
    workOrder: string,
  ): { item: string | null; lotId: string | null; line: string | null } | undefined {
    return this.s.workOrder!.get(workOrder) as
      { item: string | null; lotId: string | null; line: string | null } | undefined;
  }

  /** A unit met in an event: created if new; the lot's activity window is widened. */
  seeUnit(
    serial: string,
    item: string | null,
    lotId: string | null,
    at: string,
    line?: string,
    plant?: string,
  ): void {
    this.s.seeUnit!.run(serial, item, lotId, at);
    if (lotId) this.touchLot(lotId, at, line, plant, item ?? undefined);
  }

  /** Material that left the lot (scrapped, returned): its known quantity goes down, never below 0. */
  reduceLot(lotId: string, quantity: number): void {
    this.s.reduceLot!.run(quantity, lotId);
  }

  /** Records activity on a lot (created if new), widening its first/last-seen window. */
  touchLot(lotId: string, at: string, line?: string, plant?: string, item?: string): void {
    this.s.touchLot!.run({ lot: lotId, item: item ?? null, line: line ?? null, plant: plant ?? null, at });
  }

  addStep(st: ProcessStep): void {
    this.s.step!.run(
      st.serial,
      st.kind,
      st.plant ?? null,
      st.line ?? null,
      st.station ?? null,
      st.machine ?? null,
      st.shift ?? null,
      st.workOrder ?? null,
      st.transactionId ?? null,
      st.at,
      st.result ?? null,
      st.eventSeq,
    );
  }

  addConsumption(
    serial: string,
    componentLot: string,
    componentItem: string | null,
    quantity: number,
    at: string,
  ): void {
    this.s.consume!.run(serial, componentLot, componentItem, quantity, at);
  }

  unit(serial: string): UnitInfo | undefined {
    return this.s.unit!.get(serial) as UnitInfo | undefined;
  }

  lot(lotId: string): LotInfo | undefined {
    return this.s.lot!.get(lotId) as LotInfo | undefined;
  }

  item(partNumber: string): Required<ItemRecord> | undefined {
    return this.s.item!.get(partNumber) as Required<ItemRecord> | undefined;
  }

  serialsOfLot(lotId: string): string[] {
    return (this.s.serialsOfLot!.all(lotId) as { serial: string }[]).map((r) => r.serial);
  }

  unitCount(lotId: string): number {
    return (this.s.unitCount!.get(lotId) as { n: number }).n;
  }

  siblingLots(item: string, line: string, from: string, to: string): string[] {
    return (this.s.siblings!.all(item, line, from, to) as { lot_id: string }[]).map((r) => r.lot_id);
  }

  unitsProcessed(
    by: 'line' | 'station' | 'machine',
    value: string,
    from: string,
    to: string,
    line?: string,
  ): UnitInfo[] {
    if (by === 'station') return this.s.byStation!.all({ value, from, to, line: line ?? null }) as UnitInfo[];
    return (by === 'line' ? this.s.byLine! : this.s.byMachine!).all(value, from, to) as UnitInfo[];
  }

  consumers(componentLot: string): UnitInfo[] {
    return this.s.consumers!.all(componentLot) as UnitInfo[];
  }

  history(serial: string): Row[] {
    return this.s.history!.all(serial) as Row[];
  }
}
