/** Dispositions, their slices, approval tasks, approvals, signatures and rework requests. */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { DecisionRecord } from '../holds/disposition.js';

export interface DispositionRow {
  id: string;
  hold_id: string;
  state: 'DRAFT' | 'SUBMITTED' | 'APPROVED' | 'REJECTED' | 'WITHDRAWN' | 'EXECUTED';
  route_id: string | null;
  rationale: string | null;
  created_by: string;
  submitted_by: string | null;
  revision: number;
  created_at: string;
  submitted_at: string | null;
  decided_at: string | null;
  executed_at: string | null;
}

export interface SliceRow {
  id: number;
  disposition_id: string;
  line_id: number;
  action: string;
  quantity: number;
  serials: string | null;
  deviation_ref: string | null;
  reason_code: string | null;
  result_line_id: number | null;
}

export interface TaskRow {
  id: number;
  disposition_id: string;
  step: number;
  role: string;
  quorum: number;
  sla_hours: number | null;
  due_at: string | null;
  escalation_role: string | null;
  state: 'WAITING' | 'PENDING' | 'APPROVED' | 'REJECTED' | 'ESCALATED' | 'CANCELLED';
  created_at: string;
  ended_at: string | null;
}

export interface SignatureInput {
  signer: string;
  printedName: string;
  meaning: 'AUTHORED' | 'REVIEWED' | 'APPROVED' | 'RELEASED' | 'VERIFIED';
  reason: string;
  at: string;
  recordType: string;
  recordId: string;
  recordHash: string;
  authMethod: 'PASSWORD' | 'BADGE_PIN';
}

export class DispositionRepo {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      nextId: p('SELECT coalesce(max(rowid), 0) + 1 AS n FROM dispositions'),
      insert: p(
        `INSERT INTO dispositions (id, hold_id, state, rationale, created_by, created_at) VALUES (?, ?, 'DRAFT', ?, ?, ?)`,
      ),
      insertSlice:
        p(`INSERT INTO disposition_slices (disposition_id, line_id, action, quantity, serials, deviation_ref, reason_code)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      get: p('SELECT * FROM dispositions WHERE id = ?'),
      slices: p('SELECT * FROM disposition_slices WHERE disposition_id = ? ORDER BY id'),
      setState: p('UPDATE dispositions SET state = ? WHERE id = ?'),
      submit: p(
        "UPDATE dispositions SET state = 'SUBMITTED', route_id = ?, submitted_by = ?, submitted_at = ? WHERE id = ?",
      ),
      decide: p('UPDATE dispositions SET state = ?, decided_at = ? WHERE id = ?'),
      backToDraft: p(
        "UPDATE dispositions SET state = 'DRAFT', revision = revision + 1, submitted_by = NULL, submitted_at = NULL WHERE id = ?",
      ),
      executed: p("UPDATE dispositions SET state = 'EXECUTED', executed_at = ? WHERE id = ?"),
      setResult: p('UPDATE disposition_slices SET result_line_id = ? WHERE id = ?'),
      insertTask:
        p(`INSERT INTO approval_tasks (disposition_id, step, role, quorum, sla_hours, due_at, escalation_role, state, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      tasks: p('SELECT * FROM approval_tasks WHERE disposition_id = ? ORDER BY step, id'),
      setTask: p(
        'UPDATE approval_tasks SET state = ?, ended_at = ?, due_at = coalesce(?, due_at) WHERE id = ?',
      ),
      cancelOpen: p(
        "UPDATE approval_tasks SET state = 'CANCELLED', ended_at = ? WHERE disposition_id = ? AND state IN ('WAITING','PENDING')",
      ),
      approvals: p(
        'SELECT a.*, s.printed_name, s.meaning FROM approvals a JOIN signatures s ON s.id = a.signature_id WHERE a.task_id = ? ORDER BY a.at',
      ),
      insertApproval: p('INSERT INTO approvals (task_id, username, signature_id, at) VALUES (?, ?, ?, ?)'),
      nextSig: p('SELECT count(*) + 1 AS n FROM signatures'),
      insertSig:
        p(`INSERT INTO signatures (id, signer, printed_name, meaning, reason, at, record_type, record_id, record_hash, auth_method)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      sigsOf: p('SELECT * FROM signatures WHERE record_type = ? AND record_id LIKE ? ORDER BY at, id'),
      allSigs: p('SELECT * FROM signatures ORDER BY id'),
      insertRework:
        p(`INSERT INTO rework_requests (disposition_id, hold_id, line_id, action, quantity, serials, defect_codes, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      rework: p(
        'SELECT * FROM rework_requests WHERE (@state IS NULL OR state = @state) ORDER BY id LIMIT @limit',
      ),
      byHold: p('SELECT * FROM dispositions WHERE hold_id = ? ORDER BY created_at, id'),
    };
  }

  create(holdId: string, rationale: string | null, createdBy: string, at: string): string {
    const n = (this.s.nextId!.get() as { n: number }).n;
    const id = `D-${String(n).padStart(6, '0')}`;
    this.s.insert!.run(id, holdId, rationale, createdBy, at);
    return id;
  }

  addSlice(
    id: string,
    s: {
      lineId: number;
      action: string;
      quantity: number;
      serials?: string[];
      deviationRef?: string;
      reasonCode?: string;
    },
  ): number {
    return Number(
      this.s.insertSlice!.run(
        id,
        s.lineId,
        s.action,
        s.quantity,
        s.serials ? JSON.stringify(s.serials) : null,
        s.deviationRef ?? null,
        s.reasonCode ?? null,
      ).lastInsertRowid,
    );
  }

  get(id: string): DispositionRow | undefined {
    return this.s.get!.get(id) as DispositionRow | undefined;
  }

  ofHold(holdId: string): DispositionRow[] {
    return this.s.byHold!.all(holdId) as DispositionRow[];
  }

  slices(id: string): SliceRow[] {
    return this.s.slices!.all(id) as SliceRow[];
  }

  /** The record a signature binds to, as it is now. */
  record(d: DispositionRow): DecisionRecord {
    return {
      id: d.id,
      holdId: d.hold_id,
      revision: d.revision,
      rationale: d.rationale,
      slices: this.slices(d.id).map((s) => ({
        lineId: s.line_id,
        action: s.action,
        quantity: s.quantity,
        serials: s.serials ? (JSON.parse(s.serials) as string[]) : null,
        deviationRef: s.deviation_ref,
        reasonCode: s.reason_code,
      })),
    };
  }

  submit(id: string, routeId: string, by: string, at: string): void {
    this.s.submit!.run(routeId, by, at, id);
  }

  decide(id: string, state: 'APPROVED' | 'WITHDRAWN', at: string): void {
    this.s.decide!.run(state, at, id);
  }

  backToDraft(id: string): void {
    this.s.backToDraft!.run(id);
  }

  executed(id: string, at: string): void {
    this.s.executed!.run(at, id);
  }

  setResultLine(sliceId: number, lineId: number): void {
    this.s.setResult!.run(lineId, sliceId);
  }

  addTask(
    id: string,
    step: number,
    role: string,
    quorum: number,
    slaHours: number | null,
    dueAt: string | null,
    escalation: string | null,
    state: TaskRow['state'],
    at: string,
  ): number {
    const info = this.s.insertTask!.run(id, step, role, quorum, slaHours, dueAt, escalation, state, at);
    return Number(info.lastInsertRowid);
  }

  tasks(id: string): TaskRow[] {
    return this.s.tasks!.all(id) as TaskRow[];
  }

  setTask(taskId: number, state: TaskRow['state'], at: string | null, dueAt: string | null = null): void {
    this.s.setTask!.run(state, at, dueAt, taskId);
  }

  cancelOpenTasks(id: string, at: string): void {
    this.s.cancelOpen!.run(at, id);
  }

  approvals(taskId: number): {
    task_id: number;
    username: string;
    signature_id: string;
    at: string;
    printed_name: string;
    meaning: string;
  }[] {
    return this.s.approvals!.all(taskId) as never;
  }

  addApproval(taskId: number, username: string, signatureId: string, at: string): void {
    this.s.insertApproval!.run(taskId, username, signatureId, at);
  }

  sign(sig: SignatureInput): string {
    const n = (this.s.nextSig!.get() as { n: number }).n;
    const id = `S-${String(n).padStart(6, '0')}`;
    this.s.insertSig!.run(
      id,
      sig.signer,
      sig.printedName,
      sig.meaning,
      sig.reason,
      sig.at,
      sig.recordType,
      sig.recordId,
      sig.recordHash,
      sig.authMethod,
    );
    return id;
  }

  signaturesOf(recordType: string, id: string): Record<string, string>[] {
    return this.s.sigsOf!.all(recordType, `${id}@%`) as Record<string, string>[];
  }

  allSignatures(): Record<string, string>[] {
    return this.s.allSigs!.all() as Record<string, string>[];
  }

  addRework(d: {
    dispositionId: string;
    holdId: string;
    lineId: number;
    action: string;
    quantity: number;
    serials?: string[] | null;
    defectCodes: string[];
    at: string;
  }): number {
    return Number(
      this.s.insertRework!.run(
        d.dispositionId,
        d.holdId,
        d.lineId,
        d.action,
        d.quantity,
        d.serials ? JSON.stringify(d.serials) : null,
        JSON.stringify(d.defectCodes),
        d.at,
      ).lastInsertRowid,
    );
  }

  reworkRequests(filter: { state?: string; limit?: number }): Record<string, unknown>[] {
    return this.s.rework!.all({ state: filter.state ?? null, limit: filter.limit ?? 200 }) as Record<
      string,
      unknown
    >[];
  }

  get database(): Db {
    return this.db;
  }
}
