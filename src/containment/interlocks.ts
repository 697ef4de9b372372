/**
 * The interlock engine: "may serial/lot X do operation Y?" from local state only —
 * read-only, offline, a handful of indexed lookups. Refused attempts are recorded
 * through the group commit afterwards, outside the answer's path.
 */
import type { GroupCommitWriter } from '../store/group-commit.js';
import type { Repos } from './repos.js';
import { decideInterlock, type InterlockAnswer } from '../holds/interlock.js';
import type { BlockPolicies, Operation } from '../holds/types.js';

export type InterlockSubject = { serial: string } | { lot: string };

export class Interlocks {
  constructor(
    private readonly r: Repos,
    private readonly policies: BlockPolicies,
    private readonly unknownPolicy: 'allow' | 'deny',
  ) {}

  check(subject: InterlockSubject, operation: Operation): InterlockAnswer {
    if ('serial' in subject) {
      const unit = this.r.material.unit(subject.serial);
      const covering = this.r.holds.coveringSerial(subject.serial, unit?.lotId ?? null);
      const known = unit !== undefined || covering.length > 0;
      return decideInterlock(
        { kind: 'serial', id: subject.serial },
        operation,
        known,
        covering,
        this.policies,
        this.unknownPolicy,
      );
    }
    const covering = this.r.holds.coveringLot(subject.lot);
    const known = covering.length > 0 || this.r.material.lot(subject.lot) !== undefined;
    return decideInterlock(
      { kind: 'lot', id: subject.lot },
      operation,
      known,
      covering,
      this.policies,
      this.unknownPolicy,
    );
  }

  /** Records a refused attempt (who asked, what, which holds) without delaying the answer. */
  recordRefusal(
    writer: GroupCommitWriter,
    answer: InterlockAnswer,
    requester: string,
    at: string,
  ): Promise<void> {
    return writer.submit((db) => {
      db.prepare(
        'INSERT INTO interlock_refusals (at, subject, kind, operation, requester, holds) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(
        at,
        answer.subject.id,
        answer.subject.kind,
        answer.operation,
        requester,
        JSON.stringify([...new Set(answer.blocking.map((b) => b.holdId))]),
      );
    });
  }
}
