/**
 * Interlock benchmark, in process: 1M units in 10k lots, 10k active hold lines (half
 * whole-lot lines, half serial sets), then timed `check()` calls on a mix of held,
 * lot-held, free and unknown serials and lots — next to a bare indexed point lookup on
 * the same 1M-row table as the baseline.
 */
import { join } from 'node:path';
import { openStore } from '../src/store/db.js';
import { createRepos } from '../src/containment/repos.js';
import { Interlocks } from '../src/containment/interlocks.js';
import { DEFAULT_BLOCK_POLICIES, OPERATIONS } from '../src/holds/types.js';
import { Random } from '../src/sim/random.js';
import { tempDir } from '../test/helpers/gateway.js';
import { percentiles } from './procs.js';

export const INTERLOCK = {
  units: 1_000_000,
  lots: 10_000,
  lotLines: 5_000,
  serialLines: 5_000,
  checks: 200_000,
};

export function interlockBench(): {
  p50: number;
  p99: number;
  baselineP50: number;
  baselineP99: number;
  seedSeconds: number;
} {
  const tmp = tempDir('holdgate-bench-il-');
  const { db, storeId } = openStore({ path: join(tmp.dir, 'il.db') });
  try {
    const r = createRepos(db, 'bench', storeId);
    const perLot = INTERLOCK.units / INTERLOCK.lots;
    const serial = (i: number) => `SN-${String(i).padStart(7, '0')}`;
    const lot = (i: number) => `LOT-${String(i).padStart(5, '0')}`;
    const seedStart = performance.now();
    const at = '2026-03-02T08:00:00.000Z';
    db.transaction(() => {
      r.material.upsertItem({ part_number: 'PCBA-1', family: 'F' });
      const insLot = db.prepare(
        "INSERT INTO lots (lot_id, item, quantity, line) VALUES (?, 'PCBA-1', ?, 'L1')",
      );
      const insUnit = db.prepare(
        "INSERT INTO units (serial, item, lot_id, created_at) VALUES (?, 'PCBA-1', ?, ?)",
      );
      for (let l = 0; l < INTERLOCK.lots; l++) insLot.run(lot(l), perLot);
      for (let i = 0; i < INTERLOCK.units; i++) insUnit.run(serial(i), lot(Math.floor(i / perLot)), at);
      const scope = { kind: 'LOT' as const, inputs: {}, found: { lots: [], serials: 0, notes: [] } };
      const base = {
        severity: 'MAJOR',
        reason: 'bench',
        plant: 'P',
        productFamily: 'F',
        scope,
        createdBy: 'bench',
        ruleId: null,
        ruleVersion: null,
        approvalRoute: null,
        notifyRoles: [],
        eventSeq: null,
        at,
      };
      // Whole-lot lines on the even lots 0, 2, 4, …; serial lines on single units in odd lots.
      for (let k = 0; k < INTERLOCK.lotLines; k++) {
        const id = r.holds.insertHold({ ...base, type: 'QUALITY' });
        r.holds.insertLine(id, { lotId: lot(2 * k), quantity: perLot, uom: 'EA' }, 'HELD', null, at);
      }
      for (let k = 0; k < INTERLOCK.serialLines; k++) {
        const id = r.holds.insertHold({ ...base, type: k % 5 === 0 ? 'CUSTOMER' : 'QUALITY' });
        const s = (2 * k + 1) * perLot + (k % perLot);
        r.holds.insertLine(
          id,
          { lotId: lot(2 * k + 1), quantity: 1, uom: 'EA', serials: [serial(s)] },
          'HELD',
          null,
          at,
        );
      }
    })();
    db.pragma('optimize');
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const il = new Interlocks(r, DEFAULT_BLOCK_POLICIES, 'allow');
    const rnd = new Random(11);
    const subjects = Array.from({ length: INTERLOCK.checks }, () => {
      const roll = rnd.next();
      if (roll < 0.05) return { lot: lot(rnd.int(0, INTERLOCK.lots - 1)) };
      if (roll < 0.1) return { serial: `UNKNOWN-${rnd.int(0, 1e6)}` };
      if (roll < 0.3) {
        const k = rnd.int(0, INTERLOCK.serialLines - 1);
        return { serial: serial((2 * k + 1) * perLot + (k % perLot)) };
      }
      return { serial: serial(rnd.int(0, INTERLOCK.units - 1)) };
    });
    const ops = subjects.map(() => rnd.pick(OPERATIONS));
    // Warm the statement caches and page cache the same way for both measurements.
    for (let i = 0; i < 20_000; i++) il.check(subjects[i]!, ops[i]!);
    const times = new Float64Array(subjects.length);
    let blocked = 0;
    for (let i = 0; i < subjects.length; i++) {
      const t = process.hrtime.bigint();
      const a = il.check(subjects[i]!, ops[i]!);
      times[i] = Number(process.hrtime.bigint() - t);
      if (!a.allowed) blocked++;
    }
    const point = db.prepare('SELECT serial, item, lot_id FROM units WHERE serial = ?');
    const base = new Float64Array(subjects.length);
    for (let i = 0; i < subjects.length; i++) {
      const s = serial(rnd.int(0, INTERLOCK.units - 1));
      const t = process.hrtime.bigint();
      point.get(s);
      base[i] = Number(process.hrtime.bigint() - t);
    }
    if (blocked === 0) throw new Error('interlock benchmark blocked nothing: the seeding is wrong');
    const ilp = percentiles(times);
    const b = percentiles(base);
    return {
      p50: ilp(0.5) / 1000,
      p99: ilp(0.99) / 1000,
      baselineP50: b(0.5) / 1000,
      baselineP99: b(0.99) / 1000,
      seedSeconds,
    };
  } finally {
    db.close();
    tmp.cleanup();
  }
}
