/**
 * Containment vocabulary: hold types, operations an interlock guards, severities,
 * scopes and hold-line states (../shared model, DESIGN §4). Plain data.
 */

export const HOLD_TYPES = [
  'QUALITY',
  'INVESTIGATION',
  'CUSTOMER',
  'SUPPLIER',
  'REGULATORY',
  'RECALL',
] as const;
export type HoldType = (typeof HOLD_TYPES)[number];

export const OPERATIONS = ['consume', 'ship', 'pick', 'transfer', 'reserve'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const SEVERITIES = ['CRITICAL', 'MAJOR', 'MINOR', 'COSMETIC'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SCOPE_KINDS = [
  'SERIAL',
  'LOT',
  'LOT_AND_SIBLINGS',
  'TIME_WINDOW',
  'DOWNSTREAM_GENEALOGY',
] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** Lines in these states block material; every other state is terminal. */
export const ACTIVE_LINE_STATES = [
  'HELD',
  'DISPOSITION_PENDING',
  'IN_REWORK',
  'AWAITING_RETEST',
  'SCRAP_PENDING_POST',
  'RETURN_PENDING',
] as const;
/**
 * Active states whose material still sits in quarantine. A line pending a scrap or a
 * return is active (it blocks) but its material is committed to leave: the lot's
 * quantity is reduced when the decision executes, so it no longer counts as held stock.
 */
export const QUARANTINE_LINE_STATES = [
  'HELD',
  'DISPOSITION_PENDING',
  'IN_REWORK',
  'AWAITING_RETEST',
] as const;
export const TERMINAL_LINE_STATES = ['SPLIT', 'RELEASED', 'SCRAPPED', 'RETURNED', 'VOIDED'] as const;
export type LineState = (typeof ACTIVE_LINE_STATES)[number] | (typeof TERMINAL_LINE_STATES)[number];

export type BlockPolicies = Record<HoldType, readonly Operation[]>;

/** Defaults: a quality hold still lets material be transferred (e.g. to the MRB cage). */
export const DEFAULT_BLOCK_POLICIES: BlockPolicies = {
  QUALITY: ['consume', 'ship', 'pick', 'reserve'],
  INVESTIGATION: ['consume', 'ship'],
  CUSTOMER: ['ship', 'reserve'],
  SUPPLIER: ['consume', 'ship', 'pick', 'reserve'],
  REGULATORY: ['consume', 'ship', 'pick', 'transfer', 'reserve'],
  RECALL: ['consume', 'ship', 'pick', 'transfer', 'reserve'],
};

/** Who did something: a person, a device, a service, or a rule at a version. */
export interface Actor {
  type: 'user' | 'device' | 'service' | 'rule';
  id: string;
}

export const ruleActor = (ruleId: string, version: number): Actor => ({
  type: 'rule',
  id: `${ruleId}@${version}`,
});

/** One line of a hold as the domain computes it, before it is stored. */
export interface LineSpec {
  lotId: string | null;
  quantity: number;
  uom: string;
  /** A serial set; undefined = the lot quantity itself. */
  serials?: string[];
}

/** What a scope was computed from and what it found: stored so the hold can be explained. */
export interface ScopeRecord {
  kind: ScopeKind;
  inputs: Record<string, unknown>;
  found: { lots: string[]; serials: number; notes: string[] };
}
