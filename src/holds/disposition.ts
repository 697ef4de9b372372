/**
 * Disposition decisions, pure: which slices of which held lines get which action, the
 * check that slices add up to what is held, and the canonical record a signature binds
 * to (its hash changes if the decision changes after signing).
 */
import { createHash } from 'node:crypto';

export const DISPOSITION_ACTIONS = [
  'RELEASE',
  'USE_AS_IS',
  'REWORK',
  'REPAIR',
  'SCRAP',
  'RETURN_TO_SUPPLIER',
  'RETEST',
] as const;
export type DispositionAction = (typeof DISPOSITION_ACTIONS)[number];

export interface SliceInput {
  lineId: number;
  action: DispositionAction;
  quantity?: number;
  serials?: string[];
  deviationRef?: string;
  reasonCode?: string;
}

export interface HeldLine {
  id: number;
  state: string;
  quantity: number;
  uom: string;
  serials?: string[];
  /** For a whole-lot line: the lot's known serials, so serialized units can be dispositioned one by one. */
  lotSerials?: string[];
}

export type SliceCheck =
  { ok: true; slices: (SliceInput & { quantity: number })[] } | { ok: false; code: string; reason: string };

const EPS = 1e-9;

/** Every line in the decision must be HELD and fully divided among its slices. */
export function checkSlices(lines: ReadonlyMap<number, HeldLine>, slices: readonly SliceInput[]): SliceCheck {
  if (slices.length === 0)
    return { ok: false, code: 'HG_DISPOSITION_EMPTY', reason: 'a decision needs at least one slice' };
  const byLine = new Map<number, SliceInput[]>();
  for (const [i, s] of slices.entries()) {
    const line = lines.get(s.lineId);
    if (!line)
      return {
        ok: false,
        code: 'HG_LINE_NOT_FOUND',
        reason: `slices[${i}].lineId: line ${s.lineId} is not a line of this hold`,
      };
    if (line.state !== 'HELD')
      return {
        ok: false,
        code: 'HG_LINE_NOT_HELD',
        reason: `slices[${i}].lineId: line ${s.lineId} is ${line.state}; only HELD material can be dispositioned`,
      };
    if (s.action === 'USE_AS_IS' && !s.deviationRef)
      return {
        ok: false,
        code: 'HG_DEVIATION_REQUIRED',
        reason: `slices[${i}].deviationRef: use-as-is needs a deviation reference`,
      };
    byLine.set(s.lineId, [...(byLine.get(s.lineId) ?? []), s]);
  }
  const out: (SliceInput & { quantity: number })[] = [];
  for (const [lineId, parts] of byLine) {
    const line = lines.get(lineId)!;
    const bySerial = line.serials ?? (parts.some((p) => p.serials) ? line.lotSerials : undefined);
    if (!line.serials && bySerial && bySerial.length !== line.quantity)
      return {
        ok: false,
        code: 'HG_LOT_SERIALS_UNKNOWN',
        reason: `line ${lineId} holds ${line.quantity} ${line.uom} but ${bySerial.length} serials of its lot are known; disposition it by quantity`,
      };
    if (bySerial) {
      const all = new Set(bySerial);
      const seen = new Set<string>();
      for (const p of parts) {
        if (!p.serials?.length)
          return {
            ok: false,
            code: 'HG_SLICE_SERIALS_REQUIRED',
            reason: `line ${lineId} holds serials: each slice lists its serials`,
          };
        for (const s of p.serials) {
          if (!all.has(s))
            return {
              ok: false,
              code: 'HG_SLICE_UNKNOWN_SERIAL',
              reason: `line ${lineId}: ${s} is not held on this line`,
            };
          if (seen.has(s))
            return {
              ok: false,
              code: 'HG_SLICE_DUPLICATE_SERIAL',
              reason: `line ${lineId}: ${s} is in two slices`,
            };
          seen.add(s);
        }
        out.push({ ...p, quantity: p.serials.length, serials: [...p.serials].sort() });
      }
      if (seen.size !== all.size)
        return {
          ok: false,
          code: 'HG_SLICES_NOT_CONSERVED',
          reason: `line ${lineId}: the slices cover ${seen.size} of ${all.size} held serials (every serial needs exactly one action)`,
        };
    } else {
      let sum = 0;
      for (const p of parts) {
        if (p.serials || p.quantity === undefined || !(p.quantity > 0))
          return {
            ok: false,
            code: 'HG_SLICE_QUANTITY_REQUIRED',
            reason: `line ${lineId} holds a lot quantity: each slice gives a quantity > 0`,
          };
        sum += p.quantity;
        out.push({ ...p, quantity: p.quantity });
      }
      if (Math.abs(sum - line.quantity) > EPS)
        return {
          ok: false,
          code: 'HG_SLICES_NOT_CONSERVED',
          reason: `line ${lineId}: the slices add up to ${sum} ${line.uom}, the line holds ${line.quantity} (quantities must add up to what is held)`,
        };
    }
  }
  return { ok: true, slices: out };
}

export interface DecisionRecord {
  id: string;
  holdId: string;
  revision: number;
  rationale: string | null;
  slices: {
    lineId: number;
    action: string;
    quantity: number;
    serials: string[] | null;
    deviationRef: string | null;
    reasonCode: string | null;
  }[];
}

/** SHA-256 over the decision's canonical JSON (fixed key order, slices by id order). */
export function decisionHash(r: DecisionRecord): string {
  const canonical = JSON.stringify([
    r.id,
    r.holdId,
    r.revision,
    r.rationale,
    r.slices.map((s) => [s.lineId, s.action, s.quantity, s.serials, s.deviationRef, s.reasonCode]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
