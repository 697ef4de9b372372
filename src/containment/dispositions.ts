/**
 * Disposition commands: create (DRAFT) → submit (route, tasks, lines DISPOSITION_PENDING)
 * → approve with signatures (quorum per step, submitter may not approve) → APPROVED,
 * executed at once: release / use-as-is → RELEASED (interlock open, allocations back),
 * rework / repair → IN_REWORK with a rework request, scrap → SCRAP_PENDING_POST and
 * return → RETURN_PENDING (outbox rows; the ERP's acknowledgement ends them),
 * retest → AWAITING_RETEST. Reject sends the decision back to DRAFT; withdraw ends it.
 */
import type { Repos } from './repos.js';
import type { Actor } from '../holds/types.js';
import {
  checkSlices,
  decisionHash,
  type HeldLine,
  type SliceInput,
  type DispositionAction,
} from '../holds/disposition.js';
import { selectRoute, type ApprovalRoute } from '../holds/approval.js';
import type { Role } from '../access/roles.js';
import { DomainError } from '../errors.js';
import { executeDisposition } from './disposition-effects.js';
import type { SliceRow } from '../store/disposition-repo.js';

const hours = (at: string, h: number | undefined) =>
  h === undefined ? null : new Date(Date.parse(at) + h * 3_600_000).toISOString();

function load(r: Repos, id: string) {
  const d = r.dispositions.get(id);
  if (!d) throw new DomainError('HG_DISPOSITION_NOT_FOUND', `disposition ${id} does not exist`);
  return d;
}

function heldLines(r: Repos, holdId: string): Map<number, HeldLine> {
  return new Map(
    r.holds.lines(holdId, true).map((l) => [
      l.id,
      {
        id: l.id,
        state: l.state,
        quantity: l.quantity,
        uom: l.uom,
        serials: l.serials,
        lotSerials: !l.has_serials && l.lot_id ? r.material.serialsOfLot(l.lot_id) : undefined,
      },
    ]),
  );
}

export function createDisposition(
  r: Repos,
  input: { holdId: string; slices: SliceInput[]; rationale?: string; actor: Actor; at: string },
): string {
  const hold = r.holds.hold(input.holdId);
  if (!hold) throw new DomainError('HG_HOLD_NOT_FOUND', `hold ${input.holdId} does not exist`);
  if (hold.state !== 'ACTIVE')
    throw new DomainError('HG_HOLD_NOT_ACTIVE', `hold ${input.holdId} is ${hold.state}`);
  const check = checkSlices(heldLines(r, hold.id), input.slices);
  if (!check.ok) throw new DomainError(check.code, check.reason);
  const id = r.dispositions.create(hold.id, input.rationale ?? null, input.actor.id, input.at);
  for (const s of check.slices) r.dispositions.addSlice(id, s);
  r.audit.append({
    at: input.at,
    actor: input.actor,
    source: 'api',
    action: 'DISPOSITION_CREATED',
    entityType: 'disposition',
    entityId: id,
    after: {
      holdId: hold.id,
      slices: check.slices.map((s) => ({ lineId: s.lineId, action: s.action, quantity: s.quantity })),
    },
    reason: input.rationale,
  });
  return id;
}

/** What the route is chosen by: severity, family, plant, actions, quantity, value, customers. */
function routeFor(r: Repos, id: string, routes: readonly ApprovalRoute[]): ApprovalRoute {
  const d = load(r, id);
  const hold = r.holds.hold(d.hold_id)!;
  const slices = r.dispositions.slices(id);
  const lots = [
    ...new Set(
      r.holds
        .lines(hold.id)
        .map((l) => l.lot_id)
        .filter((x): x is string => x !== null),
    ),
  ];
  const item = lots[0] ? r.material.lot(lots[0])?.item : null;
  const unitCost = item ? (r.material.item(item)?.unit_cost ?? 0) : 0;
  const quantity = slices.reduce((n, s) => n + s.quantity, 0);
  const customers = [
    ...new Set(
      r.db
        .prepare(
          `SELECT DISTINCT party FROM order_impacts WHERE hold_id = ? AND kind = 'CUSTOMER_ORDER' AND party IS NOT NULL`,
        )
        .all(hold.id)
        .map((x) => (x as { party: string }).party),
    ),
  ];
  return selectRoute(
    routes,
    {
      severity: hold.severity,
      family: hold.product_family,
      plant: hold.plant,
      actions: [...new Set(slices.map((s) => s.action as DispositionAction))],
      quantity,
      value: quantity * unitCost,
      customers,
    },
    hold.approval_route,
  );
}

/** Tells the role of a newly open step that a decision waits for it. */
function notifyTask(
  r: Repos,
  id: string,
  step: number,
  role: string,
  dueAt: string | null,
  at: string,
): void {
  const d = r.dispositions.get(id);
  const hold = d ? r.holds.hold(d.hold_id) : undefined;
  r.notifyRoles?.(
    {
      subject: `[Holdgate] disposition ${id} waits for a ${role} (step ${step})`,
      text: `Disposition ${id} of hold ${d?.hold_id ?? '?'} needs your approval${dueAt ? ` by ${dueAt}` : ''}.\nReview it: /api/v1/dispositions/${id}`,
      plant: hold?.plant ?? null,
      event: { type: 'APPROVAL_TASK', dispositionId: id, holdId: d?.hold_id ?? null, step, role, dueAt, at },
    },
    [role],
  );
}

export function submitDisposition(
  r: Repos,
  id: string,
  actor: Actor,
  routes: readonly ApprovalRoute[],
  at: string,
): ApprovalRoute {
  const d = load(r, id);
  if (d.state !== 'DRAFT')
    throw new DomainError(
      'HG_DISPOSITION_NOT_DRAFT',
      `disposition ${id} is ${d.state}; only a DRAFT can be submitted`,
    );
  const slices = r.dispositions.slices(id);
  // The lines may have changed since the draft (split, another decision): check again.
  const check = checkSlices(heldLines(r, d.hold_id), slices.map(toInput));
  if (!check.ok) throw new DomainError(check.code, check.reason);
  const route = routeFor(r, id, routes);
  r.dispositions.submit(id, route.id, actor.id, at);
  route.steps.forEach((s, i) =>
    r.dispositions.addTask(
      id,
      i + 1,
      s.role,
      s.quorum,
      s.sla_hours ?? null,
      i === 0 ? hours(at, s.sla_hours) : null,
      s.escalate_to ?? null,
      i === 0 ? 'PENDING' : 'WAITING',
      at,
    ),
  );
  for (const lineId of new Set(slices.map((s) => s.line_id)))
    r.holds.setLineState(lineId, 'DISPOSITION_PENDING', at);
  const first = route.steps[0]!;
  notifyTask(r, id, 1, first.role, hours(at, first.sla_hours), at);
  r.audit.append({
    at,
    actor,
    source: 'api',
    action: 'DISPOSITION_SUBMITTED',
    entityType: 'disposition',
    entityId: id,
    after: { route: route.id, steps: route.steps },
  });
  return route;
}

function toInput(s: SliceRow): SliceInput {
  return {
    lineId: s.line_id,
    action: s.action as DispositionAction,
    quantity: s.quantity,
    serials: s.serials ? (JSON.parse(s.serials) as string[]) : undefined,
    deviationRef: s.deviation_ref ?? undefined,
    reasonCode: s.reason_code ?? undefined,
  };
}

export interface Signer {
  username: string;
  printedName: string;
  roles: readonly Role[];
  authMethod: 'PASSWORD' | 'BADGE_PIN';
}

function signatureFor(
  r: Repos,
  id: string,
  signer: Signer,
  meaning: 'APPROVED' | 'REVIEWED',
  reason: string,
  at: string,
): string {
  const d = load(r, id);
  return r.dispositions.sign({
    signer: signer.username,
    printedName: signer.printedName,
    meaning,
    reason,
    at,
    recordType: 'disposition',
    recordId: `${id}@${d.revision}`,
    recordHash: decisionHash(r.dispositions.record(d)),
    authMethod: signer.authMethod,
  });
}

/** One approver signs the current step; the last quorum of the last step approves and executes. */
export function approveDisposition(
  r: Repos,
  id: string,
  signer: Signer,
  reason: string,
  at: string,
): { state: string; step: number; signatureId: string } {
  const d = load(r, id);
  if (d.state !== 'SUBMITTED')
    throw new DomainError('HG_DISPOSITION_NOT_SUBMITTED', `disposition ${id} is ${d.state}`);
  if (d.submitted_by === signer.username)
    throw new DomainError(
      'HG_SELF_APPROVAL',
      `${signer.username} submitted ${id} and may not approve it (segregation of duties)`,
    );
  const task = r.dispositions.tasks(id).find((t) => t.state === 'PENDING' || t.state === 'ESCALATED');
  if (!task) throw new DomainError('HG_NO_OPEN_STEP', `disposition ${id} has no step waiting for approval`);
  const role = task.state === 'ESCALATED' ? (task.escalation_role ?? task.role) : task.role;
  if (!signer.roles.includes(role as Role) && !signer.roles.includes(task.role as Role))
    throw new DomainError(
      'HG_WRONG_ROLE',
      `step ${task.step} needs a ${role}; ${signer.username} has ${signer.roles.join(', ')}`,
    );
  const approvals = r.dispositions.approvals(task.id);
  if (approvals.some((a) => a.username === signer.username))
    throw new DomainError(
      'HG_ALREADY_APPROVED',
      `${signer.username} already approved step ${task.step}; a quorum needs different people`,
    );
  const signatureId = signatureFor(r, id, signer, 'APPROVED', reason, at);
  r.dispositions.addApproval(task.id, signer.username, signatureId, at);
  r.audit.append({
    at,
    actor: { type: 'user', id: signer.username },
    source: 'api',
    action: 'DISPOSITION_APPROVAL_SIGNED',
    entityType: 'disposition',
    entityId: id,
    after: { step: task.step, role, signatureId, approvals: approvals.length + 1, quorum: task.quorum },
    reason,
  });
  if (approvals.length + 1 < task.quorum) return { state: 'SUBMITTED', step: task.step, signatureId };
  r.dispositions.setTask(task.id, 'APPROVED', at);
  const next = r.dispositions.tasks(id).find((t) => t.state === 'WAITING');
  if (next) {
    const due = hours(at, next.sla_hours ?? undefined);
    r.dispositions.setTask(next.id, 'PENDING', null, due);
    notifyTask(r, id, next.step, next.role, due, at);
    return { state: 'SUBMITTED', step: next.step, signatureId };
  }
  r.dispositions.decide(id, 'APPROVED', at);
  const state = executeDisposition(r, id, { type: 'user', id: signer.username }, at);
  return { state, step: task.step, signatureId };
}

export function rejectDisposition(r: Repos, id: string, signer: Signer, reason: string, at: string): void {
  const d = load(r, id);
  if (d.state !== 'SUBMITTED')
    throw new DomainError('HG_DISPOSITION_NOT_SUBMITTED', `disposition ${id} is ${d.state}`);
  if (!reason.trim()) throw new DomainError('HG_REASON_REQUIRED', 'a rejection needs a reason');
  const signatureId = signatureFor(r, id, signer, 'REVIEWED', reason, at);
  reopenLines(r, id, at);
  r.dispositions.backToDraft(id);
  r.audit.append({
    at,
    actor: { type: 'user', id: signer.username },
    source: 'api',
    action: 'DISPOSITION_REJECTED',
    entityType: 'disposition',
    entityId: id,
    after: { state: 'DRAFT', signatureId },
    reason,
  });
}

export function withdrawDisposition(r: Repos, id: string, actor: Actor, reason: string, at: string): void {
  const d = load(r, id);
  if (d.state !== 'DRAFT' && d.state !== 'SUBMITTED')
    throw new DomainError('HG_DISPOSITION_CLOSED', `disposition ${id} is ${d.state}`);
  if (d.state === 'SUBMITTED') reopenLines(r, id, at);
  r.dispositions.decide(id, 'WITHDRAWN', at);
  r.audit.append({
    at,
    actor,
    source: 'api',
    action: 'DISPOSITION_WITHDRAWN',
    entityType: 'disposition',
    entityId: id,
    reason,
  });
}

function reopenLines(r: Repos, id: string, at: string): void {
  r.dispositions.cancelOpenTasks(id, at);
  for (const lineId of new Set(r.dispositions.slices(id).map((s) => s.line_id))) {
    const line = r.holds.line(lineId, false);
    if (line?.state === 'DISPOSITION_PENDING') r.holds.setLineState(lineId, 'HELD', at);
  }
}

export { brokenSignatures } from './signatures.js';
export { completeErpEffect } from './disposition-effects.js';
