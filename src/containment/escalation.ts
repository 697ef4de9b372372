/**
 * SLA escalation for approval tasks. The deadlines live in the store (approval_tasks.
 * due_at), so a restart loses nothing: the scheduler scans on start and then on a
 * timer. An overdue PENDING task becomes ESCALATED — its escalation role may now sign
 * it too — with an audit entry and a notification to that role.
 */
import type { Repos } from './repos.js';
import type { GroupCommitWriter } from '../store/group-commit.js';
import type { Logger } from '../log.js';

export function escalateOverdue(
  r: Repos,
  now: string,
): { taskId: number; dispositionId: string; role: string }[] {
  const overdue = r.db
    .prepare(
      "SELECT * FROM approval_tasks WHERE state = 'PENDING' AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at",
    )
    .all(now) as {
    id: number;
    disposition_id: string;
    step: number;
    role: string;
    escalation_role: string | null;
    due_at: string;
  }[];
  const out: { taskId: number; dispositionId: string; role: string }[] = [];
  for (const t of overdue) {
    const role = t.escalation_role ?? t.role;
    r.dispositions.setTask(t.id, 'ESCALATED', null);
    r.audit.append({
      at: now,
      actor: { type: 'service', id: 'sla-scheduler' },
      source: 'scheduler',
      action: 'APPROVAL_ESCALATED',
      entityType: 'disposition',
      entityId: t.disposition_id,
      after: { step: t.step, role: t.role, escalatedTo: role, dueAt: t.due_at },
      reason: `step ${t.step} (${t.role}) passed its SLA at ${t.due_at}`,
    });
    const d = r.dispositions.get(t.disposition_id);
    const hold = d ? r.holds.hold(d.hold_id) : undefined;
    r.notifyRoles?.(
      {
        subject: `[Holdgate] approval of ${t.disposition_id} is overdue (step ${t.step}, ${t.role})`,
        text: `Step ${t.step} of disposition ${t.disposition_id} (hold ${d?.hold_id ?? '?'}) waited for a ${t.role} past ${t.due_at}. A ${role} may now sign it.`,
        plant: hold?.plant ?? null,
        event: {
          type: 'APPROVAL_ESCALATED',
          dispositionId: t.disposition_id,
          holdId: d?.hold_id ?? null,
          step: t.step,
          role: t.role,
          escalatedTo: role,
          dueAt: t.due_at,
          at: now,
        },
      },
      [role],
    );
    out.push({ taskId: t.id, dispositionId: t.disposition_id, role });
  }
  return out;
}

export class EscalationScheduler {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repos: Repos,
    private readonly writer: GroupCommitWriter,
    private readonly intervalMs: number,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    try {
      const done = await this.writer.submit(() => escalateOverdue(this.repos, this.now().toISOString()));
      for (const e of done) this.log.warn(e, 'approval step escalated (SLA passed)');
    } catch (err) {
      this.log.error({ err }, 'SLA escalation check failed');
    }
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
