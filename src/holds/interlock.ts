/**
 * The interlock answer: may this material do this operation? Pure: given the active
 * hold lines that cover the subject and the block policies, decide and explain.
 * Holds stack — one blocking line of any hold is enough to refuse.
 */
import type { BlockPolicies, HoldType, Operation } from './types.js';

export interface CoveringLine {
  holdId: string;
  lineId: number;
  holdType: HoldType;
  severity: string | null;
  reason: string;
  heldAt: string;
  /** How the line covers the subject: the whole lot, or the serial itself. */
  via: 'lot' | 'serial';
  lotId: string | null;
}

/** A signed, time-limited permission for one operation on held material. */
export interface ActiveException {
  id: string;
  kind: 'DEVIATION' | 'CONCESSION';
  reference: string;
  expiresAt: string;
  remaining: number | null;
  customer: string | null;
}

export interface InterlockAnswer {
  subject: { kind: 'serial' | 'lot'; id: string };
  operation: Operation;
  allowed: boolean;
  known: boolean;
  /** Machine-readable: ALLOWED, BLOCKED, ALLOWED_BY_EXCEPTION, UNKNOWN_SUBJECT. */
  code: 'ALLOWED' | 'BLOCKED' | 'ALLOWED_BY_EXCEPTION' | 'UNKNOWN_SUBJECT';
  reason: string;
  blocking: CoveringLine[];
  /** Active holds on the material that do not block this operation (e.g. a customer hold on a transfer). */
  nonBlocking: CoveringLine[];
  /** The approved exception that lets a blocked operation through. */
  exception?: ActiveException;
}

export function decideInterlock(
  subject: { kind: 'serial' | 'lot'; id: string },
  operation: Operation,
  known: boolean,
  covering: readonly CoveringLine[],
  policies: BlockPolicies,
  unknownPolicy: 'allow' | 'deny',
  exceptions: readonly ActiveException[] = [],
): InterlockAnswer {
  if (!known) {
    const allowed = unknownPolicy === 'allow';
    return {
      subject,
      operation,
      allowed,
      known,
      code: 'UNKNOWN_SUBJECT',
      reason: `${subject.kind} ${subject.id} is not known to Holdgate; ${allowed ? 'no hold can cover it, so it is allowed' : 'unknown material is refused (interlock.unknown: deny)'}`,
      blocking: [],
      nonBlocking: [],
    };
  }
  const blocking: CoveringLine[] = [];
  const nonBlocking: CoveringLine[] = [];
  for (const line of covering)
    (policies[line.holdType].includes(operation) ? blocking : nonBlocking).push(line);
  if (blocking.length === 0)
    return {
      subject,
      operation,
      allowed: true,
      known,
      code: 'ALLOWED',
      reason: `no active hold blocks ${operation}`,
      blocking,
      nonBlocking,
    };
  const holds = [...new Set(blocking.map((b) => b.holdId))];
  const first = blocking[0]!;
  const ex = exceptions[0];
  if (ex)
    return {
      subject,
      operation,
      allowed: true,
      known,
      code: 'ALLOWED_BY_EXCEPTION',
      reason: `${operation} allowed by ${ex.kind.toLowerCase()} ${ex.id} (${ex.reference}) until ${ex.expiresAt}${ex.remaining !== null ? `, ${ex.remaining} left` : ''}${ex.customer ? ` for ${ex.customer}` : ''}, despite ${holds.length === 1 ? `hold ${first.holdId}` : `holds ${holds.join(', ')}`}`,
      blocking,
      nonBlocking,
      exception: ex,
    };
  return {
    subject,
    operation,
    allowed: false,
    known,
    code: 'BLOCKED',
    reason: `${operation} blocked by ${holds.length === 1 ? `hold ${first.holdId}` : `${holds.length} holds (${holds.join(', ')})`}: ${first.holdType} — ${first.reason}`,
    blocking,
    nonBlocking,
  };
}
