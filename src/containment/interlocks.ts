/**
 * The interlock engine: "may serial/lot X do operation Y?" from local state only —
 * read-only, offline, a handful of indexed lookups. Refused attempts are recorded
 * through the group commit afterwards, outside the answer's path.
 */
import type { GroupCommitWriter } from '../store/group-commit.js';
import type { Repos } from './repos.js';
import { decideInterlock, type ActiveException, type InterlockAnswer } from '../holds/interlock.js';
import type { BlockPolicies, Operation } from '../holds/types.js';

export type InterlockSubject = { serial: string } | { lot: string };

export class Interlocks {
  private readonly exceptionsFor;
  private readonly insertRefusal;

  constructor(
    private readonly r: Repos,
    private readonly policies: BlockPolicies,
    private readonly unknownPolicy: 'allow' | 'deny',
    private readonly now: () => Date = () => new Date(),
  ) {
    this.insertRefusal = r.db.prepare(
      'INSERT INTO interlock_refusals (at, subject, kind, operation, requester, holds) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.exceptionsFor = r.db.prepare(
      `SELECT id, kind, reference, expires_at AS expiresAt, customer,
         CASE WHEN quantity_limit IS NULL THEN NULL ELSE quantity_limit - used END AS remaining
       FROM approved_exceptions WHERE state = 'ACTIVE' AND operation = ? AND expires_at > ?
         AND ((subject_kind = 'serial' AND subject = ?) OR (subject_kind = 'lot' AND subject = ?))
         AND (quantity_limit IS NULL OR used < quantity_limit)
       ORDER BY expires_at LIMIT 1`,
    );
  }

  check(subject: InterlockSubject, operation: Operation): InterlockAnswer {
    const isSerial = 'serial' in subject;
    const unit = isSerial ? this.r.material.unit(subject.serial) : undefined;
    const covering = isSerial
      ? this.r.holds.coveringSerial(subject.serial, unit?.lotId ?? null)
      : this.r.holds.coveringLot(subject.lot);
    const known =
      covering.length > 0 || (isSerial ? unit !== undefined : this.r.material.lot(subject.lot) !== undefined);
    // Exceptions are only consulted when something blocks, so the common path stays a few lookups.
    const blocked = covering.some((c) => this.policies[c.holdType].includes(operation));
    const exceptions = blocked
      ? (this.exceptionsFor.all(
          operation,
          this.now().toISOString(),
          isSerial ? subject.serial : null,
          isSerial ? (unit?.lotId ?? null) : subject.lot,
        ) as ActiveException[])
      : [];
    return decideInterlock(
      isSerial ? { kind: 'serial', id: subject.serial } : { kind: 'lot', id: subject.lot },
      operation,
      known,
      covering,
      this.policies,
      this.unknownPolicy,
      exceptions,
    );
  }

  /** Records a refused attempt (who asked, what, which holds) without delaying the answer. */
  recordRefusal(
    writer: GroupCommitWriter,
    answer: InterlockAnswer,
    requester: string,
    at: string,
  ): Promise<void> {
    return writer.submit(
      () => {
        this.insertRefusal.run(
          at,
          answer.subject.id,
          answer.subject.kind,
          answer.operation,
          requester,
          JSON.stringify([...new Set(answer.blocking.map((b) => b.holdId))]),
        );
      },
      { lazy: true },
    );
  }
}
