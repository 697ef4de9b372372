/** Seeds a small plant history through the real repositories (what imports will do later). */
import type { Repos } from '../../src/containment/repos.js';
import { placeManualHold, type PlacedHold } from '../../src/containment/commands.js';
import type { Actor } from '../../src/holds/types.js';

export const T0 = '2026-03-02T08:00:00.000Z';
export const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/** A QUALITY hold on a whole lot, placed by a person (default: a quality engineer, now). */
export function holdLot(
  r: Repos,
  lot: string,
  opts: { at?: string; reason?: string; actor?: Actor } = {},
): PlacedHold {
  const when = opts.at ?? new Date().toISOString();
  return placeManualHold(r, {
    type: 'QUALITY',
    reason: opts.reason ?? `check ${lot}`,
    scope: { kind: 'LOT' },
    trigger: { serials: [], lots: [lot], at: when },
    actor: opts.actor ?? { type: 'user', id: 'qe' },
    source: 'test',
    at: when,
  });
}

/**
 * Item PCBA-7731 (family CTRL) on line L1: lots L1-A (units 1-10, 08:00-08:10), L1-B
 * (11-20, 08:30-08:40); L1-OLD far earlier; PCBA-8810 lot L2-A on L2. Component reel
 * REEL-C14 went into units 3, 4 and 15.
 */
export function seedPlant(r: Repos): void {
  r.material.upsertItem({
    part_number: 'PCBA-7731',
    family: 'CTRL',
    tracking_mode: 'LOT_AND_SERIAL',
    unit_cost: 42.5,
  });
  r.material.upsertItem({
    part_number: 'PCBA-8810',
    family: 'POWER',
    tracking_mode: 'LOT_AND_SERIAL',
    unit_cost: 30,
  });
  r.material.upsertItem({
    part_number: 'CAP-100N',
    family: 'COMPONENT',
    tracking_mode: 'LOT',
    unit_cost: 0.01,
  });
  r.material.upsertLot({ lot_id: 'L1-A', item: 'PCBA-7731', quantity: 10, line: 'L1' });
  r.material.upsertLot({ lot_id: 'L1-B', item: 'PCBA-7731', quantity: 10, line: 'L1' });
  r.material.upsertLot({ lot_id: 'L1-OLD', item: 'PCBA-7731', quantity: 10, line: 'L1' });
  r.material.upsertLot({ lot_id: 'L2-A', item: 'PCBA-8810', quantity: 5, line: 'L2' });
  r.material.upsertLot({
    lot_id: 'REEL-C14',
    item: 'CAP-100N',
    quantity: 5000,
    supplier: 'ACME',
    supplier_lot: 'S-99',
  });
  const unit = (n: number, lot: string, item: string, minute: number, line: string, station: string) => {
    const serial = `SN-${String(n).padStart(3, '0')}`;
    r.material.seeUnit(serial, item, lot, at(minute), line, 'PLANT-1');
    r.material.addStep({
      serial,
      kind: 'WORK_STARTED',
      plant: 'PLANT-1',
      line,
      station,
      at: at(minute),
      eventSeq: 0,
    });
    return serial;
  };
  for (let i = 1; i <= 10; i++) unit(i, 'L1-A', 'PCBA-7731', i - 1, 'L1', 'L1-FCT');
  for (let i = 11; i <= 20; i++)
    unit(i, 'L1-B', 'PCBA-7731', 30 + i - 11, 'L1', i % 2 ? 'L1-FCT' : 'L1-FCT2');
  for (let i = 21; i <= 25; i++) unit(i, 'L2-A', 'PCBA-8810', i - 21, 'L2', 'L2-FCT');
  r.material.touchLot('L1-OLD', at(-3000), 'L1', 'PLANT-1', 'PCBA-7731');
  for (const n of [3, 4, 15])
    r.material.addConsumption(`SN-${String(n).padStart(3, '0')}`, 'REEL-C14', 'CAP-100N', 1, at(n));
}
