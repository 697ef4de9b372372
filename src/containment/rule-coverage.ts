/**
 * Material a rule already holds. When a rule fires again on material its own active hold
 * covers — the next failing board of a held lot, the same board failing a retest — the
 * event joins that hold instead of opening another one: one MRB case per lot and cause,
 * with every event as evidence, and no second ERP move. Only exact coverage counts: a
 * serial in an active line of the rule's hold, or an active whole-lot line of at least the
 * quantity the new scope asks for (after a partial release, the released part is held anew).
 */
import type { Repos } from './repos.js';
import type { LineSpec } from '../holds/types.js';
import { ruleActor } from '../holds/types.js';
import type { QualityEvent } from '../holds/quality-event.js';
import { attachContent, shouldNotifyAttach } from '../notify/plan.js';

export interface RuleCoverage {
  /** What the rule does not hold yet: a new hold takes these lines. */
  uncovered: LineSpec[];
  /** The rule's active holds covering the rest, oldest first (the case the event belongs to). */
  holdIds: string[];
}

export function ruleCoverage(r: Repos, ruleId: string, lines: LineSpec[]): RuleCoverage {
  const ruleHolds = new Map<string, boolean>();
  const byRule = (holdId: string) => {
    let mine = ruleHolds.get(holdId);
    if (mine === undefined) {
      const h = r.holds.hold(holdId);
      mine = h?.rule_id === ruleId && h.state === 'ACTIVE';
      ruleHolds.set(holdId, mine);
    }
    return mine;
  };
  const holdIds = new Set<string>();
  const uncovered: LineSpec[] = [];
  for (const line of lines) {
    if (line.serials?.length) {
      const left = line.serials.filter((s) => {
        const mine = r.holds.coveringSerial(s, line.lotId).find((c) => byRule(c.holdId));
        if (mine) holdIds.add(mine.holdId);
        return !mine;
      });
      if (left.length > 0) uncovered.push({ ...line, quantity: left.length, serials: left });
      continue;
    }
    const mine = line.lotId
      ? r.holds
          .coveringLot(line.lotId)
          .find(
            (c) =>
              c.via === 'lot' &&
              byRule(c.holdId) &&
              (r.holds.line(c.lineId, false)?.quantity ?? 0) >= line.quantity,
          )
      : undefined;
    if (mine) holdIds.add(mine.holdId);
    else uncovered.push(line);
  }
  return { uncovered, holdIds: [...holdIds].sort((a, b) => heldAt(r, a).localeCompare(heldAt(r, b))) };
}

// Hold ids are sequential: they break ties between holds placed at the same event time.
const heldAt = (r: Repos, holdId: string) => `${r.holds.hold(holdId)?.created_at ?? ''}|${holdId}`;

export interface Attachment {
  holdId: string;
  rule: { id: string; version: number; notify?: string[] };
  event: QualityEvent;
  seq: number;
  serials: string[];
  codes: string[];
}

/**
 * The event joins the hold (its decision row, written by the caller, links them): audited,
 * and the rule's roles are told again at 2, 4, 8, … events behind the hold.
 */
export function attachEvent(r: Repos, a: Attachment): void {
  const { holdId, rule, event } = a;
  const at = event.occurredAt;
  r.audit.append({
    at,
    actor: ruleActor(rule.id, rule.version),
    source: `event:${event.profileId}`,
    action: 'HOLD_EVENT_ATTACHED',
    entityType: 'hold',
    entityId: holdId,
    after: { eventSeq: a.seq, kind: event.kind, result: event.result, serials: a.serials, codes: a.codes },
    reason: `${rule.id} fired again on material this hold already contains`,
  });
  const events = r.holds.events(holdId).length;
  if (rule.notify?.length && r.notifyRoles && shouldNotifyAttach(events))
    r.notifyRoles(
      attachContent({
        type: 'HOLD_EVENT_ATTACHED',
        holdId,
        plant: event.context.plant ?? null,
        rule: `${rule.id}@${rule.version}`,
        events,
        kind: event.kind,
        result: event.result,
        serials: a.serials,
        codes: a.codes,
        at,
      }),
      rule.notify,
    );
}
