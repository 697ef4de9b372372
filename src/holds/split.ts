/**
 * Splitting a hold line: quantities are conserved (Σ children = parent) and a serial
 * line is partitioned exactly. Pure validation; the store applies the result.
 */
import type { LineSpec } from './types.js';

export interface SplitPart {
  quantity?: number;
  serials?: string[];
}

export type SplitCheck = { ok: true; children: LineSpec[] } | { ok: false; code: string; reason: string };

const EPSILON = 1e-9;

export function checkSplit(parent: LineSpec, parts: SplitPart[]): SplitCheck {
  if (parts.length < 2)
    return { ok: false, code: 'SPLIT_TOO_FEW', reason: 'a split needs at least two parts' };
  if (parent.serials) {
    const all = new Set(parent.serials);
    const seen = new Set<string>();
    for (const [i, p] of parts.entries()) {
      if (!p.serials || p.serials.length === 0)
        return {
          ok: false,
          code: 'SPLIT_SERIALS_REQUIRED',
          reason: `parts[${i}]: a serial line splits by serials (list them)`,
        };
      for (const s of p.serials) {
        if (!all.has(s))
          return { ok: false, code: 'SPLIT_UNKNOWN_SERIAL', reason: `parts[${i}]: ${s} is not on this line` };
        if (seen.has(s))
          return { ok: false, code: 'SPLIT_DUPLICATE_SERIAL', reason: `parts[${i}]: ${s} is in two parts` };
        seen.add(s);
      }
    }
    if (seen.size !== all.size)
      return {
        ok: false,
        code: 'SPLIT_NOT_CONSERVED',
        reason: `the parts hold ${seen.size} of the line's ${all.size} serials (every serial must be in exactly one part)`,
      };
    return {
      ok: true,
      children: parts.map((p) => ({
        lotId: parent.lotId,
        quantity: p.serials!.length,
        uom: parent.uom,
        serials: [...p.serials!].sort(),
      })),
    };
  }
  let sum = 0;
  for (const [i, p] of parts.entries()) {
    if (p.serials)
      return {
        ok: false,
        code: 'SPLIT_QUANTITY_REQUIRED',
        reason: `parts[${i}]: a lot-quantity line splits by quantity`,
      };
    if (p.quantity === undefined || !(p.quantity > 0))
      return {
        ok: false,
        code: 'SPLIT_QUANTITY_REQUIRED',
        reason: `parts[${i}].quantity: must be more than 0`,
      };
    sum += p.quantity;
  }
  if (Math.abs(sum - parent.quantity) > EPSILON)
    return {
      ok: false,
      code: 'SPLIT_NOT_CONSERVED',
      reason: `the parts add up to ${sum} ${parent.uom}, the line holds ${parent.quantity} (quantities must add up exactly)`,
    };
  return {
    ok: true,
    children: parts.map((p) => ({ lotId: parent.lotId, quantity: p.quantity!, uom: parent.uom })),
  };
}
