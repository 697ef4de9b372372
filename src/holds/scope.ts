/**
 * Containment scopes: from the failing material and a rule's scope, compute which lots
 * and serials to hold. Pure over a read-only MaterialView (the store implements it),
 * with time passed in. What was looked up and found is returned for the record, so a
 * hold can be explained long after its history has moved on.
 */
import type { ScopeSpec } from './rules.js';
import type { LineSpec, ScopeRecord } from './types.js';

export interface UnitInfo {
  serial: string;
  item: string | null;
  lotId: string | null;
}

export interface LotInfo {
  lotId: string;
  item: string | null;
  quantity: number | null;
  uom: string;
  line: string | null;
}

export interface MaterialView {
  unit(serial: string): UnitInfo | undefined;
  lot(lotId: string): LotInfo | undefined;
  unitCount(lotId: string): number;
  /** Other lots of `item` with activity on `line` between the two times. */
  siblingLots(item: string, line: string, from: string, to: string): string[];
  /**
   * Units with a process step at that line/station/machine between the two times. A
   * station is looked up within `line` when one is given: station names repeat across
   * lines (every line has its FCT1).
   */
  unitsProcessed(
    by: 'line' | 'station' | 'machine',
    value: string,
    from: string,
    to: string,
    line?: string,
  ): UnitInfo[];
  /** Units that consumed the component lot. */
  consumers(componentLot: string): UnitInfo[];
}

export interface Trigger {
  /** Units found bad. */
  serials: string[];
  /** Lots named directly (event lot, blocked material packages). */
  lots: string[];
  at: string;
  line?: string;
  station?: string;
  machine?: string;
}

const shift = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

class LineBuilder {
  private readonly wholeLots = new Map<string, LineSpec>();
  private readonly serialsByLot = new Map<string | null, Set<string>>();

  constructor(private readonly view: MaterialView) {}

  lot(lotId: string, notes: string[]): void {
    if (this.wholeLots.has(lotId)) return;
    const info = this.view.lot(lotId);
    let quantity = info?.quantity ?? null;
    if (quantity === null) {
      // Lots first seen through events carry no quantity yet: hold what is known of them.
      quantity = Math.max(1, this.view.unitCount(lotId));
      notes.push(`lot ${lotId} has no recorded quantity; holding the ${quantity} known unit(s)`);
    }
    this.wholeLots.set(lotId, { lotId, quantity, uom: info?.uom ?? 'EA' });
  }

  serial(serial: string, lotId: string | null): void {
    let set = this.serialsByLot.get(lotId);
    if (!set) this.serialsByLot.set(lotId, (set = new Set()));
    set.add(serial);
  }

  build(): LineSpec[] {
    const lines = [...this.wholeLots.values()];
    for (const [lotId, serials] of this.serialsByLot) {
      // A whole-lot line already covers every serial of that lot.
      if (lotId !== null && this.wholeLots.has(lotId)) continue;
      const list = [...serials].sort();
      lines.push({ lotId, quantity: list.length, uom: 'EA', serials: list });
    }
    return lines;
  }
}

function lotsOf(trigger: Trigger, view: MaterialView, notes: string[]): string[] {
  const lots = new Set(trigger.lots);
  for (const s of trigger.serials) {
    const lot = view.unit(s)?.lotId;
    if (lot) lots.add(lot);
    else notes.push(`serial ${s} has no known lot; it is held as a serial`);
  }
  return [...lots];
}

export function computeScope(
  spec: ScopeSpec,
  trigger: Trigger,
  view: MaterialView,
): { lines: LineSpec[]; record: ScopeRecord } {
  const notes: string[] = [];
  const b = new LineBuilder(view);
  const inputs: Record<string, unknown> = { trigger };
  const serialsWithoutLot = () => {
    for (const s of trigger.serials) if (!view.unit(s)?.lotId) b.serial(s, null);
  };

  switch (spec.kind) {
    case 'SERIAL': {
      for (const s of trigger.serials) b.serial(s, view.unit(s)?.lotId ?? null);
      for (const l of trigger.lots) b.lot(l, notes);
      break;
    }
    case 'LOT': {
      for (const l of lotsOf(trigger, view, notes)) b.lot(l, notes);
      serialsWithoutLot();
      break;
    }
    case 'LOT_AND_SIBLINGS': {
      const from = shift(trigger.at, -spec.window_hours * 60);
      const to = shift(trigger.at, spec.window_hours * 60);
      Object.assign(inputs, { windowHours: spec.window_hours, from, to });
      for (const l of lotsOf(trigger, view, notes)) {
        b.lot(l, notes);
        const info = view.lot(l);
        const line = info?.line ?? trigger.line;
        if (!info?.item || !line) {
          notes.push(`lot ${l} has no known item or line; its siblings cannot be found`);
          continue;
        }
        for (const sib of view.siblingLots(info.item, line, from, to)) b.lot(sib, notes);
      }
      serialsWithoutLot();
      break;
    }
    case 'TIME_WINDOW': {
      const value = trigger[spec.by];
      const from = shift(trigger.at, -spec.before_minutes);
      const to = shift(trigger.at, spec.after_minutes);
      const withinLine = spec.by === 'station' ? trigger.line : undefined;
      Object.assign(inputs, { by: spec.by, value, from, to }, withinLine ? { line: withinLine } : {});
      if (!value) {
        notes.push(`the event names no ${spec.by}; only the failing material is held`);
        for (const s of trigger.serials) b.serial(s, view.unit(s)?.lotId ?? null);
        break;
      }
      if (spec.by === 'station' && !withinLine)
        notes.push(`the event names no line; station ${value} is matched on every line`);
      for (const u of view.unitsProcessed(spec.by, value, from, to, withinLine)) b.serial(u.serial, u.lotId);
      for (const s of trigger.serials) b.serial(s, view.unit(s)?.lotId ?? null);
      for (const l of trigger.lots) b.lot(l, notes);
      break;
    }
    case 'DOWNSTREAM_GENEALOGY': {
      const components = lotsOf(trigger, view, notes);
      inputs.componentLots = components;
      for (const l of components) {
        b.lot(l, notes);
        for (const u of view.consumers(l)) b.serial(u.serial, u.lotId);
      }
      serialsWithoutLot();
      break;
    }
  }

  const lines = b.build();
  const lots = [...new Set(lines.map((l) => l.lotId).filter((l): l is string => l !== null))].sort();
  const serials = lines.reduce((n, l) => n + (l.serials?.length ?? 0), 0);
  return { lines, record: { kind: spec.kind, inputs, found: { lots, serials, notes } } };
}
