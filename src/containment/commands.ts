/**
 * Containment commands: place a hold (by a rule or a person), void a hold, split a
 * line. Each runs inside one group-commit job and writes the change, its audit entry
 * and its outbox rows together, so the ERP and the audit trail see exactly what the
 * interlocks enforce.
 */
import type { Repos } from './repos.js';
import { computeScope, type Trigger } from '../holds/scope.js';
import { checkSplit, type SplitPart } from '../holds/split.js';
import type { ScopeSpec } from '../holds/rules.js';
import type { Actor, HoldType, LineSpec, ScopeRecord, Severity } from '../holds/types.js';
import { ACTIVE_LINE_STATES } from '../holds/types.js';
import { DomainError } from '../errors.js';
import { holdContent } from '../notify/plan.js';

export interface PlaceHoldInput {
  type: HoldType;
  severity: Severity | null;
  reason: string;
  plant: string | null;
  productFamily: string | null;
  scope: ScopeRecord;
  lines: LineSpec[];
  actor: Actor;
  source: string;
  ruleId?: string;
  ruleVersion?: number;
  approvalRoute?: string;
  notify?: string[];
  eventSeq?: number;
  at: string;
}

export interface PlacedHold {
  holdId: string;
  lineIds: number[];
}

/** Outbox rows are ordered per lot (or per serial when the material has no lot). */
export function orderingKey(line: { lotId: string | null; serials?: string[] }, holdId: string): string {
  if (line.lotId) return `lot:${line.lotId}`;
  if (line.serials?.length === 1) return `serial:${line.serials[0]}`;
  return `hold:${holdId}`;
}

/** A lot's held quantity (HoldsRepo.heldQuantity) before and after one change. */
export interface LotHeld {
  before: number;
  after: number;
}

/**
 * Measures the lot's held quantity now; the returned function measures it again after
 * the change. Outbox rows carry the pair, so an ERP that keeps held stock in a location
 * moves the difference: a hold stacked on material already held moves nothing.
 */
export function lotHeldAround(r: Repos, lotId: string | null): () => LotHeld | undefined {
  if (!lotId) return () => undefined;
  const before = r.holds.heldQuantity(lotId);
  return () => ({ before, after: r.holds.heldQuantity(lotId) });
}

function lineSummary(l: LineSpec) {
  return { lotId: l.lotId, quantity: l.quantity, uom: l.uom, serials: l.serials?.length ?? 0 };
}

export function placeHold(r: Repos, input: PlaceHoldInput): PlacedHold {
  if (input.lines.length === 0) throw new DomainError('HG_HOLD_EMPTY', 'the scope found no material to hold');
  const holdId = r.holds.insertHold({
    type: input.type,
    severity: input.severity,
    reason: input.reason,
    plant: input.plant,
    productFamily: input.productFamily,
    scope: input.scope,
    createdBy: `${input.actor.type}:${input.actor.id}`,
    ruleId: input.ruleId ?? null,
    ruleVersion: input.ruleVersion ?? null,
    approvalRoute: input.approvalRoute ?? null,
    notifyRoles: input.notify ?? [],
    eventSeq: input.eventSeq ?? null,
    at: input.at,
  });
  const lotHeld: (LotHeld | undefined)[] = [];
  const lineIds = input.lines.map((l) => {
    const measured = lotHeldAround(r, l.lotId);
    const id = r.holds.insertLine(holdId, l, 'HELD', null, input.at);
    lotHeld.push(measured());
    return id;
  });
  // What the hold puts at risk is found now, while the allocations are as they were.
  input.lines.forEach((l, i) => r.orders.recordImpacts(holdId, lineIds[i]!, l, input.at));
  r.audit.append({
    at: input.at,
    actor: input.actor,
    source: input.source,
    action: 'HOLD_PLACED',
    entityType: 'hold',
    entityId: holdId,
    after: {
      type: input.type,
      severity: input.severity,
      scope: input.scope,
      lines: input.lines.map((l, i) => ({ lineId: lineIds[i], ...lineSummary(l) })),
      rule: input.ruleId ? `${input.ruleId}@${input.ruleVersion}` : undefined,
    },
    reason: input.reason,
  });
  if (input.notify?.length && r.notifyRoles)
    r.notifyRoles(
      holdContent({
        type: 'HOLD_PLACED',
        holdId,
        holdType: input.type,
        severity: input.severity,
        reason: input.reason,
        plant: input.plant,
        lines: input.lines.map(lineSummary),
        rule: input.ruleId ? `${input.ruleId}@${input.ruleVersion}` : null,
        at: input.at,
      }),
      input.notify,
    );
  input.lines.forEach((l, i) =>
    r.outbox.enqueue({
      orderingKey: orderingKey(l, holdId),
      type: 'HOLD_LINE_PLACED',
      payload: {
        holdId,
        lineId: lineIds[i],
        holdType: input.type,
        severity: input.severity,
        reason: input.reason,
        ...l,
        lotHeld: lotHeld[i],
      },
      at: input.at,
    }),
  );
  return { holdId, lineIds };
}

export interface ManualHoldInput {
  type: HoldType;
  severity?: Severity;
  reason: string;
  scope: ScopeSpec;
  trigger: Trigger;
  plant?: string;
  actor: Actor;
  source: string;
  at: string;
}

/** A person places a hold: the same scopes a rule can use, computed now and recorded. */
export function placeManualHold(r: Repos, input: ManualHoldInput): PlacedHold {
  const { lines, record } = computeScope(input.scope, input.trigger, r.material);
  const first = input.trigger.serials[0] ? r.material.unit(input.trigger.serials[0]) : undefined;
  const family = first?.item ? (r.material.item(first.item)?.family ?? null) : null;
  return placeHold(r, {
    type: input.type,
    severity: input.severity ?? null,
    reason: input.reason,
    plant: input.plant ?? null,
    productFamily: family,
    scope: record,
    lines,
    actor: input.actor,
    source: input.source,
    at: input.at,
  });
}

function isActive(state: string): boolean {
  return (ACTIVE_LINE_STATES as readonly string[]).includes(state);
}

/** Voids a hold placed in error: every active line ends VOIDED; the audit keeps the hold. */
export function voidHold(
  r: Repos,
  holdId: string,
  reason: string,
  actor: Actor,
  source: string,
  at: string,
): void {
  if (!reason.trim()) throw new DomainError('HG_REASON_REQUIRED', 'voiding a hold needs a reason');
  const hold = r.holds.hold(holdId);
  if (!hold) throw new DomainError('HG_HOLD_NOT_FOUND', `hold ${holdId} does not exist`);
  if (hold.state !== 'ACTIVE') throw new DomainError('HG_HOLD_NOT_ACTIVE', `hold ${holdId} is ${hold.state}`);
  const voided = r.holds.lines(holdId, true).filter((l) => isActive(l.state));
  const lotHeld = new Map<number, LotHeld | undefined>();
  for (const l of voided) {
    const measured = lotHeldAround(r, l.lot_id);
    r.holds.setLineState(l.id, 'VOIDED', at);
    lotHeld.set(l.id, measured());
  }
  r.holds.setHoldState(holdId, 'VOIDED', at, reason);
  r.audit.append({
    at,
    actor,
    source,
    action: 'HOLD_VOIDED',
    entityType: 'hold',
    entityId: holdId,
    before: { state: hold.state, activeLines: voided.map((l) => l.id) },
    after: { state: 'VOIDED' },
    reason,
  });
  for (const l of voided)
    r.outbox.enqueue({
      orderingKey: orderingKey({ lotId: l.lot_id, serials: l.serials }, holdId),
      type: 'HOLD_LINE_VOIDED',
      payload: {
        holdId,
        lineId: l.id,
        lotId: l.lot_id,
        quantity: l.quantity,
        uom: l.uom,
        serials: l.serials,
        reason,
        lotHeld: lotHeld.get(l.id),
      },
      at,
    });
}

/** Splits a HELD line into children that conserve its quantity or partition its serials. */
export function splitLine(
  r: Repos,
  lineId: number,
  parts: SplitPart[],
  actor: Actor,
  source: string,
  at: string,
  reason?: string,
): number[] {
  const line = r.holds.line(lineId);
  if (!line) throw new DomainError('HG_LINE_NOT_FOUND', `hold line ${lineId} does not exist`);
  if (line.state !== 'HELD')
    throw new DomainError(
      'HG_LINE_NOT_HELD',
      `hold line ${lineId} is ${line.state}; only a HELD line can be split`,
    );
  const check = checkSplit(
    { lotId: line.lot_id, quantity: line.quantity, uom: line.uom, serials: line.serials },
    parts,
  );
  if (!check.ok) throw new DomainError(check.code, check.reason);
  r.holds.setLineState(lineId, 'SPLIT', at);
  const children = check.children.map((c) => r.holds.insertLine(line.hold_id, c, 'HELD', lineId, at));
  const summary = check.children.map((c, i) => ({ lineId: children[i], ...lineSummary(c) }));
  r.audit.append({
    at,
    actor,
    source,
    action: 'HOLD_LINE_SPLIT',
    entityType: 'hold_line',
    entityId: String(lineId),
    before: { state: line.state, quantity: line.quantity, serials: line.serials?.length ?? 0 },
    after: { state: 'SPLIT', children: summary },
    reason,
  });
  r.outbox.enqueue({
    orderingKey: orderingKey({ lotId: line.lot_id, serials: line.serials }, line.hold_id),
    type: 'HOLD_LINE_SPLIT',
    payload: {
      holdId: line.hold_id,
      lineId,
      children: check.children.map((c, i) => ({ lineId: children[i], ...c })),
    },
    at,
  });
  return children;
}
