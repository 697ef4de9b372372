/**
 * The canonical QualityEvent: what every device format (IPC-CFX, plain JSON, later
 * Sparkplug, OPC UA and scans) is mapped to before anything decides on it.
 * Plain data, no I/O.
 */

export const EVENT_KINDS = [
  'UNITS_TESTED',
  'UNITS_INSPECTED',
  'UNITS_REPAIRED',
  'WORK_STARTED',
  'WORK_COMPLETED',
  'UNITS_DISQUALIFIED',
  'MATERIALS_BLOCKED',
  'MATERIALS_UNBLOCKED',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * One result vocabulary across formats. CFX TestResult, RepairResult, WorkResult and
 * UnitStatus all fold into it; NONE is for events that carry no verdict (WorkStarted).
 */
export const RESULTS = [
  'PASS',
  'FAIL',
  'ERROR',
  'ABORTED',
  'SKIPPED',
  'SCRAP',
  'REPAIRED',
  'NOT_REPAIRED',
  'NONE',
] as const;
export type Result = (typeof RESULTS)[number];

export interface Finding {
  /** DEFECT = confirmed on the unit; SYMPTOM = an observed effect (CFX keeps them apart). */
  type: 'DEFECT' | 'SYMPTOM';
  code: string;
  category?: string;
  description?: string;
  /** Reference designator, e.g. U7.3 */
  component?: string;
  partNumber?: string;
  priority?: number;
  sourceId?: string;
}

export interface UnitOutcome {
  serial: string;
  position?: number;
  result: Result;
  findings: Finding[];
}

export interface EventContext {
  plant?: string;
  line?: string;
  station?: string;
  machine?: string;
}

export interface QualityEvent {
  /** Device profile that mapped it. */
  profileId: string;
  /** Idempotency: a second event with the same (profileId, sourceEventId) has no effect. */
  sourceEventId: string;
  kind: EventKind;
  /** When it happened at the device (ISO 8601, UTC). */
  occurredAt: string;
  /** Worst result over the units (FAIL beats PASS). */
  result: Result;
  context: EventContext;
  units: UnitOutcome[];
  transactionId?: string;
  workOrder?: string;
  lot?: string;
  /** Panel / carrier barcode (CFX PrimaryIdentifier). */
  primaryIdentifier?: string;
  /** Material packages (reels, lots) named by a Block/UnblockMaterialsRequest. */
  materials?: string[];
  reason?: string;
  comments?: string;
  operator?: string;
  /** Sender handle (CFX Source) when the format gives one. */
  sender?: string;
  /** Severity stated by the source, when it states one (rules may match on it). */
  severity?: 'CRITICAL' | 'MAJOR' | 'MINOR' | 'COSMETIC';
}

const SEVERITY: Record<Result, number> = {
  NONE: 0,
  SKIPPED: 1,
  PASS: 2,
  REPAIRED: 3,
  ABORTED: 4,
  ERROR: 5,
  NOT_REPAIRED: 6,
  FAIL: 7,
  SCRAP: 8,
};

/** The worst of several results, used for an event's overall result. */
export function worstResult(results: Iterable<Result>): Result {
  let worst: Result = 'NONE';
  for (const r of results) if (SEVERITY[r] > SEVERITY[worst]) worst = r;
  return worst;
}
