/**
 * What every committed QualityEvent does, inside its own transaction: extend the
 * material context and process history, classify it by the rule set, and contain it —
 * so the hold exists the moment the device gets its PUBACK.
 */
import type { Db } from '../store/db.js';
import type { QualityEvent, Result } from '../holds/quality-event.js';
import { classify, type RuleSet } from '../holds/rules.js';
import { computeScope } from '../holds/scope.js';
import { ruleActor } from '../holds/types.js';
import type { Repos } from './repos.js';
import type { ShiftCalendar } from './shifts.js';
import { placeHold } from './commands.js';
import { attachEvent, ruleCoverage } from './rule-coverage.js';

/** Results that say something is wrong with the unit; only events with one (or material blocks) are classified. */
const BAD: ReadonlySet<Result> = new Set(['FAIL', 'ERROR', 'SCRAP', 'NOT_REPAIRED']);

export function isClassifiable(e: QualityEvent): boolean {
  return BAD.has(e.result) || e.kind === 'MATERIALS_BLOCKED' || e.kind === 'UNITS_DISQUALIFIED';
}

export interface ContainmentDeps {
  repos: Repos;
  rules: () => RuleSet;
  shifts: ShiftCalendar;
  /** Called after a hold is placed (inside the transaction), e.g. to queue notifications later. */
  onHold?: (holdId: string, event: QualityEvent) => void;
}

export function createContainmentApplier(deps: ContainmentDeps) {
  const { repos: r } = deps;
  const decision = r.db.prepare(
    `INSERT INTO decisions (event_seq, outcome, rule_id, rule_version, rule_set_hash, severity, hold_id, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );

  return function applyEvent(_db: Db, event: QualityEvent, seq: number): void {
    const at = event.occurredAt;
    const ctx = event.context;
    const wo = event.workOrder ? r.material.workOrder(event.workOrder) : undefined;
    const shift = deps.shifts.shiftAt(at);

    for (const unit of event.units) {
      const known = r.material.unit(unit.serial);
      const lotId = event.lot ?? wo?.lotId ?? known?.lotId ?? null;
      const item = known?.item ?? wo?.item ?? null;
      // Most events are about units already known with nothing new: skip the write then.
      if (!known || (lotId !== null && known.lotId !== lotId) || (item !== null && known.item !== item)) {
        r.material.seeUnit(unit.serial, item, lotId, at, ctx.line, ctx.plant);
      } else if (lotId) {
        r.material.touchLot(lotId, at, ctx.line, ctx.plant);
      }
      r.material.addStep({
        serial: unit.serial,
        kind: event.kind,
        plant: ctx.plant,
        line: ctx.line,
        station: ctx.station,
        machine: ctx.machine,
        shift,
        workOrder: event.workOrder,
        transactionId: event.transactionId,
        at,
        result: unit.result,
        eventSeq: seq,
      });
    }
    // Material packages (reels, trays) named by a block request are lots.
    for (const m of event.materials ?? []) r.material.touchLot(m, at, ctx.line, ctx.plant);

    if (!isClassifiable(event)) return;
    const set = deps.rules();
    const bad = event.units.filter((u) => BAD.has(u.result) || event.kind === 'UNITS_DISQUALIFIED');
    const firstItem = bad[0] ? r.material.unit(bad[0].serial)?.item : undefined;
    const family = firstItem ? (r.material.item(firstItem)?.family ?? undefined) : undefined;
    const c = classify(set, event, { productFamily: family });
    if (!c) {
      decision.run(seq, 'NO_RULE', null, null, set.hash, null, null, at);
      return;
    }
    if (c.rule.action === 'NO_ACTION') {
      decision.run(seq, 'NO_ACTION', c.rule.id, c.rule.version, set.hash, c.severity, null, at);
      return;
    }
    const trigger = {
      serials: bad.map((u) => u.serial),
      lots: [...(event.lot ? [event.lot] : []), ...(event.materials ?? [])],
      at,
      line: ctx.line,
      station: ctx.station,
      machine: ctx.machine,
    };
    const { lines: scoped, record } = computeScope(c.scope, trigger, r.material);
    if (scoped.length === 0) {
      decision.run(seq, 'NO_ACTION', c.rule.id, c.rule.version, set.hash, c.severity, null, at);
      return;
    }
    const codes = [...new Set(bad.flatMap((u) => u.findings.map((f) => f.code)))];
    const { uncovered: lines, holdIds: joined } = ruleCoverage(r, c.rule.id, scoped);
    if (lines.length === 0) {
      // Everything is held already by this rule: the event is evidence for that hold.
      const holdId = joined[0]!;
      decision.run(seq, 'ATTACHED', c.rule.id, c.rule.version, set.hash, c.severity, holdId, at);
      attachEvent(r, { holdId, rule: c.rule, event, seq, serials: trigger.serials, codes });
      return;
    }
    if (joined.length > 0)
      record.found.notes.push(
        `part of the scope is already held by ${joined.join(', ')} under rule ${c.rule.id}`,
      );
    const what = trigger.serials.length
      ? trigger.serials.slice(0, 3).join(', ') + (trigger.serials.length > 3 ? '…' : '')
      : trigger.lots.join(', ');
    const { holdId } = placeHold(r, {
      type: c.holdType,
      severity: c.severity,
      reason: `${c.rule.description ?? c.rule.id}: ${event.kind} ${event.result}${codes.length ? ` (${codes.join(', ')})` : ''} on ${what} at ${ctx.station ?? ctx.line ?? 'unknown station'}`,
      plant: ctx.plant ?? null,
      productFamily: family ?? null,
      scope: {
        ...record,
        inputs: { ...record.inputs, ruleSet: { version: set.version, hash: set.hash }, eventSeq: seq },
      },
      lines,
      actor: ruleActor(c.rule.id, c.rule.version),
      source: `event:${event.profileId}`,
      ruleId: c.rule.id,
      ruleVersion: c.rule.version,
      approvalRoute: c.rule.approval_route,
      notify: c.rule.notify,
      eventSeq: seq,
      at,
    });
    decision.run(seq, 'HOLD', c.rule.id, c.rule.version, set.hash, c.severity, holdId, at);
    deps.onHold?.(holdId, event);
  };
}
