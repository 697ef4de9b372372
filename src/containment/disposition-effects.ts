/**
 * What an approved disposition does to the material: lines split per slice and moved to
 * RELEASED / IN_REWORK / SCRAP_PENDING_POST / RETURN_PENDING / AWAITING_RETEST, outbox
 * rows for the ERP, rework requests, allocations given back — and the ERP's
 * acknowledgement that ends a pending scrap or return.
 */
import type { Repos } from './repos.js';
import type { Actor, LineSpec } from '../holds/types.js';
import type { DispositionAction } from '../holds/disposition.js';
import { lotHeldAround, orderingKey } from './commands.js';
import type { SliceRow } from '../store/disposition-repo.js';

const EFFECT: Record<
  DispositionAction,
  'RELEASED' | 'IN_REWORK' | 'SCRAP_PENDING_POST' | 'RETURN_PENDING' | 'AWAITING_RETEST'
> = {
  RELEASE: 'RELEASED',
  USE_AS_IS: 'RELEASED',
  REWORK: 'IN_REWORK',
  REPAIR: 'IN_REWORK',
  SCRAP: 'SCRAP_PENDING_POST',
  RETURN_TO_SUPPLIER: 'RETURN_PENDING',
  RETEST: 'AWAITING_RETEST',
};

/** Applies an approved decision; returns its state (EXECUTED when no effect is still pending). */
export function executeDisposition(r: Repos, id: string, actor: Actor, at: string): string {
  const d = r.dispositions.get(id)!;
  const hold = r.holds.hold(d.hold_id)!;
  const slices = r.dispositions.slices(id);
  const byLine = new Map<number, SliceRow[]>();
  for (const s of slices) byLine.set(s.line_id, [...(byLine.get(s.line_id) ?? []), s]);
  const touchedLots = new Set<string>();
  let pending = false;
  const defectCodes = codesOf(r, hold.event_seq);
  for (const [lineId, parts] of byLine) {
    const line = r.holds.line(lineId)!;
    if (line.lot_id) touchedLots.add(line.lot_id);
    const whole = parts.length === 1;
    // Children first, then the parent ends SPLIT: the lot's held quantity stays the same
    // until each slice's effect below changes it (and its outbox row says by how much).
    const sliceSerials = parts.map((s) => (s.serials ? (JSON.parse(s.serials) as string[]) : undefined));
    const targets = parts.map((s, i) => {
      const spec: LineSpec = {
        lotId: line.lot_id,
        quantity: s.quantity,
        uom: line.uom,
        serials: sliceSerials[i],
      };
      return whole ? lineId : r.holds.insertLine(hold.id, spec, 'HELD', lineId, at);
    });
    if (!whole) r.holds.setLineState(lineId, 'SPLIT', at);
    for (const [i, s] of parts.entries()) {
      const serials = sliceSerials[i];
      const target = targets[i]!;
      r.dispositions.setResultLine(s.id, target);
      const action = s.action as DispositionAction;
      const effect = EFFECT[action];
      const measured = lotHeldAround(r, line.lot_id);
      r.holds.setLineState(target, effect, at);
      // Scrapped or returned material leaves the lot now; the ERP posting follows.
      const leaves = effect === 'SCRAP_PENDING_POST' || effect === 'RETURN_PENDING';
      if (leaves && line.lot_id) r.material.reduceLot(line.lot_id, s.quantity);
      if (leaves) pending = true;
      const lotHeld = measured();
      const key = orderingKey({ lotId: line.lot_id, serials: serials ?? line.serials }, hold.id);
      const base = {
        holdId: hold.id,
        lineId: target,
        dispositionId: id,
        lotId: line.lot_id,
        quantity: s.quantity,
        uom: line.uom,
        serials: serials ?? null,
        lotHeld,
      };
      if (effect === 'RELEASED')
        r.outbox.enqueue({
          orderingKey: key,
          type: 'HOLD_LINE_RELEASED',
          payload: { ...base, action, deviationRef: s.deviation_ref },
          at,
        });
      else if (effect === 'SCRAP_PENDING_POST') {
        const item = line.lot_id ? r.material.lot(line.lot_id)?.item : null;
        const unitCost = item ? (r.material.item(item)?.unit_cost ?? 0) : 0;
        r.outbox.enqueue({
          orderingKey: key,
          type: 'SCRAP',
          payload: { ...base, item, reasonCode: s.reason_code, value: s.quantity * unitCost },
          at,
        });
      } else if (effect === 'RETURN_PENDING') {
        const lot = line.lot_id ? r.material.lot(line.lot_id) : undefined;
        r.outbox.enqueue({
          orderingKey: key,
          type: 'RETURN_TO_SUPPLIER',
          payload: { ...base, reasonCode: s.reason_code, item: lot?.item ?? null },
          at,
        });
      } else if (effect === 'IN_REWORK')
        r.dispositions.addRework({
          dispositionId: id,
          holdId: hold.id,
          lineId: target,
          action,
          quantity: s.quantity,
          serials,
          defectCodes,
          at,
        });
    }
  }
  for (const lot of touchedLots)
    if (!r.holds.coveringLot(lot).some((c) => c.holdId === hold.id)) r.orders.restoreLot(hold.id, lot, at);
  if (r.holds.activeLineCount(hold.id) === 0) r.holds.setHoldState(hold.id, 'CLOSED', at);
  if (!pending) r.dispositions.executed(id, at);
  r.audit.append({
    at,
    actor,
    source: 'api',
    action: 'DISPOSITION_EXECUTED',
    entityType: 'disposition',
    entityId: id,
    after: {
      slices: r.dispositions
        .slices(id)
        .map((s) => ({ action: s.action, quantity: s.quantity, line: s.result_line_id })),
      pending,
    },
  });
  return pending ? 'APPROVED' : 'EXECUTED';
}

function codesOf(r: Repos, eventSeq: number | null): string[] {
  if (eventSeq === null) return [];
  const row = r.db.prepare('SELECT body FROM events WHERE seq = ?').get(eventSeq) as
    { body: string } | undefined;
  if (!row) return [];
  const e = JSON.parse(row.body) as { units: { findings: { code: string }[] }[] };
  return [...new Set(e.units.flatMap((u) => u.findings.map((f) => f.code)))];
}

/**
 * The ERP acknowledged an outbox row: a scrap or a return-to-supplier it carried is now
 * posted, so its line ends (SCRAPPED / RETURNED); the decision becomes EXECUTED when no
 * effect is pending any more, and the hold CLOSED when no line is active. Called by the
 * sync worker inside the transaction that marks the row ACKED.
 */
export function completeErpEffect(r: Repos, outboxSeq: number, at: string): boolean {
  const row = r.db.prepare('SELECT type, payload FROM outbox WHERE seq = ?').get(outboxSeq) as
    { type: string; payload: string } | undefined;
  if (!row || (row.type !== 'SCRAP' && row.type !== 'RETURN_TO_SUPPLIER')) return false;
  const p = JSON.parse(row.payload) as { holdId: string; lineId: number; dispositionId: string };
  const line = r.holds.line(p.lineId, false);
  const pendingState = row.type === 'SCRAP' ? 'SCRAP_PENDING_POST' : 'RETURN_PENDING';
  if (!line || line.state !== pendingState) return false;
  r.holds.setLineState(p.lineId, row.type === 'SCRAP' ? 'SCRAPPED' : 'RETURNED', at);
  if (row.type === 'SCRAP')
    r.db
      .prepare(
        "UPDATE units SET lifecycle = 'SCRAPPED' WHERE serial IN (SELECT serial FROM hold_line_serials WHERE line_id = ?)",
      )
      .run(p.lineId);
  const stillPending = r.dispositions
    .slices(p.dispositionId)
    .some(
      (s) =>
        s.result_line_id !== null &&
        ['SCRAP_PENDING_POST', 'RETURN_PENDING'].includes(r.holds.line(s.result_line_id, false)?.state ?? ''),
    );
  const d = r.dispositions.get(p.dispositionId);
  // Rework is a separate order's business: the decision is done once nothing waits on the ERP.
  if (d?.state === 'APPROVED' && !stillPending) r.dispositions.executed(p.dispositionId, at);
  if (r.holds.activeLineCount(p.holdId) === 0) r.holds.setHoldState(p.holdId, 'CLOSED', at);
  r.audit.append({
    at,
    actor: { type: 'service', id: 'erp-sync' },
    source: 'erp',
    action: row.type === 'SCRAP' ? 'SCRAP_POSTED' : 'RETURN_POSTED',
    entityType: 'hold_line',
    entityId: String(p.lineId),
    after: { outboxSeq, dispositionId: p.dispositionId },
  });
  return true;
}
