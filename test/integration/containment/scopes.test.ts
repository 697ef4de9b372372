/** Each containment scope on a seeded history, through the real store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../../helpers/gateway.js';
import { seedPlant, at } from '../../helpers/plant.js';
import { computeScope } from '../../../src/holds/scope.js';
import type { ScopeSpec } from '../../../src/holds/rules.js';

type TestGateway = Awaited<ReturnType<typeof startTestGateway>>;

describe('containment scopes', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
    await gw.gateway.command(seedPlant);
  });
  afterAll(() => gw.stop());

  const scope = (spec: ScopeSpec, trigger: Partial<Parameters<typeof computeScope>[1]>) =>
    gw.gateway.command((r) =>
      computeScope(
        spec,
        { serials: [], lots: [], at: at(5), line: 'L1', station: 'L1-FCT', ...trigger },
        r.material,
      ),
    );

  it('SERIAL holds just the failing units, grouped by lot', async () => {
    const { lines, record } = await scope({ kind: 'SERIAL' }, { serials: ['SN-005', 'SN-012'] });
    expect(lines).toEqual([
      { lotId: 'L1-A', quantity: 1, uom: 'EA', serials: ['SN-005'] },
      { lotId: 'L1-B', quantity: 1, uom: 'EA', serials: ['SN-012'] },
    ]);
    expect(record).toMatchObject({ kind: 'SERIAL', found: { lots: ['L1-A', 'L1-B'], serials: 2 } });
  });

  it('LOT holds the whole lot quantity of each failing unit', async () => {
    const { lines } = await scope({ kind: 'LOT' }, { serials: ['SN-005', 'SN-006'] });
    expect(lines).toEqual([{ lotId: 'L1-A', quantity: 10, uom: 'EA' }]);
  });

  it('LOT_AND_SIBLINGS adds other lots of the same item from the same line inside the window', async () => {
    const narrow = await scope({ kind: 'LOT_AND_SIBLINGS', window_hours: 1 }, { serials: ['SN-005'] });
    expect(narrow.lines.map((l) => l.lotId)).toEqual(['L1-A', 'L1-B']);
    expect(narrow.record.inputs).toMatchObject({ windowHours: 1, from: at(5 - 60), to: at(5 + 60) });
    const wide = await scope({ kind: 'LOT_AND_SIBLINGS', window_hours: 72 }, { serials: ['SN-005'] });
    expect(wide.lines.map((l) => l.lotId).sort()).toEqual(['L1-A', 'L1-B', 'L1-OLD']);
  });

  it('TIME_WINDOW holds every unit the line or station processed in the window', async () => {
    const byLine = await scope(
      { kind: 'TIME_WINDOW', by: 'line', before_minutes: 60, after_minutes: 0 },
      { serials: ['SN-012'], at: at(33) },
    );
    expect(byLine.lines.flatMap((l) => l.serials ?? []).sort()).toEqual([
      ...['001', '002', '003', '004', '005', '006', '007', '008', '009', '010'].map((n) => `SN-${n}`),
      'SN-011',
      'SN-012',
      'SN-013',
      'SN-014',
    ]);
    expect(byLine.record.inputs).toMatchObject({ by: 'line', value: 'L1', from: at(-27), to: at(33) });
    const byStation = await scope(
      { kind: 'TIME_WINDOW', by: 'station', before_minutes: 10, after_minutes: 10 },
      { serials: ['SN-013'], at: at(33), station: 'L1-FCT2' },
    );
    expect(byStation.lines.flatMap((l) => l.serials ?? []).sort()).toEqual([
      'SN-012',
      'SN-013',
      'SN-014',
      'SN-016',
      'SN-018',
      'SN-020',
    ]);
  });

  it("TIME_WINDOW by station stays on the event's line (station names repeat across lines)", async () => {
    await gw.gateway.command((r) => {
      for (const [serial, line] of [
        ['SN-L3-ICT', 'L3'],
        ['SN-L4-ICT', 'L4'],
      ] as const) {
        r.material.seeUnit(serial, 'PCBA-7731', null, at(100), line, 'PLANT-1');
        r.material.addStep({ serial, kind: 'UNITS_TESTED', line, station: 'ICT', at: at(100), eventSeq: 0 });
      }
    });
    const spec = { kind: 'TIME_WINDOW', by: 'station', before_minutes: 5, after_minutes: 5 } as const;
    const onL3 = await scope(spec, { at: at(101), line: 'L3', station: 'ICT' });
    expect(onL3.lines.flatMap((l) => l.serials ?? [])).toEqual(['SN-L3-ICT']);
    expect(onL3.record.inputs).toMatchObject({ by: 'station', value: 'ICT', line: 'L3' });
    const noLine = await scope(spec, { at: at(101), line: undefined, station: 'ICT' });
    expect(noLine.lines.flatMap((l) => l.serials ?? []).sort()).toEqual(['SN-L3-ICT', 'SN-L4-ICT']);
    expect(noLine.record.found.notes).toEqual([
      'the event names no line; station ICT is matched on every line',
    ]);
  });

  it('DOWNSTREAM_GENEALOGY holds the component lot and every unit that consumed it', async () => {
    const { lines, record } = await scope({ kind: 'DOWNSTREAM_GENEALOGY' }, { lots: ['REEL-C14'] });
    expect(lines).toEqual([
      { lotId: 'REEL-C14', quantity: 5000, uom: 'EA' },
      { lotId: 'L1-A', quantity: 2, uom: 'EA', serials: ['SN-003', 'SN-004'] },
      { lotId: 'L1-B', quantity: 1, uom: 'EA', serials: ['SN-015'] },
    ]);
    expect(record.inputs.componentLots).toEqual(['REEL-C14']);
  });

  it('explains what it could not resolve', async () => {
    const { lines, record } = await scope({ kind: 'LOT' }, { serials: ['SN-UNKNOWN'] });
    expect(lines).toEqual([{ lotId: null, quantity: 1, uom: 'EA', serials: ['SN-UNKNOWN'] }]);
    expect(record.found.notes).toEqual(['serial SN-UNKNOWN has no known lot; it is held as a serial']);
  });
});
