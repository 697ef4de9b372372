/**
 * Classification rules: versioned, matched in order, first match wins. A rule maps an
 * event (type, result, defect/symptom codes, severity, product family, line, plant) to a
 * severity, a hold type, a containment scope, an approval route and roles to notify.
 * Pure: the product family is looked up by the caller and passed in.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EVENT_KINDS, RESULTS, type QualityEvent } from './quality-event.js';
import { HOLD_TYPES, SEVERITIES, type HoldType, type ScopeKind, type Severity } from './types.js';
import { routeSchema, type ApprovalRoute } from './approval.js';

const nonEmpty = (what: string) =>
  z.array(z.string().min(1)).min(1, `list at least one ${what}, or leave the key out`);

export const scopeSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('SERIAL') }),
    z.strictObject({ kind: z.literal('LOT') }),
    z.strictObject({
      kind: z.literal('LOT_AND_SIBLINGS'),
      // Other lots of the same item from the same line active within ± this many hours.
      window_hours: z
        .number()
        .positive()
        .max(24 * 90)
        .default(24),
    }),
    z.strictObject({
      kind: z.literal('TIME_WINDOW'),
      by: z.enum(['line', 'station', 'machine'], 'must be line, station or machine').default('line'),
      before_minutes: z
        .number()
        .min(0)
        .max(7 * 24 * 60)
        .default(60),
      after_minutes: z
        .number()
        .min(0)
        .max(7 * 24 * 60)
        .default(0),
    }),
    z.strictObject({ kind: z.literal('DOWNSTREAM_GENEALOGY') }),
  ],
  'must have kind SERIAL, LOT, LOT_AND_SIBLINGS, TIME_WINDOW or DOWNSTREAM_GENEALOGY',
);
export type ScopeSpec = z.output<typeof scopeSchema>;

export const ruleSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'use lower-case letters, digits, dot, dash (e.g. fct-fail-lot)'),
  version: z.number().int().min(1, 'rule versions start at 1').default(1),
  description: z.string().optional(),
  match: z
    .strictObject({
      kinds: z
        .array(z.enum(EVENT_KINDS, `must be one of ${EVENT_KINDS.join(', ')}`))
        .min(1)
        .optional(),
      results: z
        .array(z.enum(RESULTS, `must be one of ${RESULTS.join(', ')}`))
        .min(1)
        .optional(),
      // Any finding (defect or symptom) code on any unit of the event.
      codes: nonEmpty('code').optional(),
      severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
      // Finding priority at most this (CFX: 1 = most urgent).
      max_priority: z.number().int().min(0).optional(),
      product_families: nonEmpty('product family').optional(),
      lines: nonEmpty('line').optional(),
      stations: nonEmpty('station').optional(),
      plants: nonEmpty('plant').optional(),
    })
    .default({}),
  // Severity the matched event gets, and whether a hold is placed at all.
  severity: z.enum(SEVERITIES, `must be one of ${SEVERITIES.join(', ')}`),
  action: z.enum(['HOLD', 'NO_ACTION'], 'must be HOLD or NO_ACTION').default('HOLD'),
  hold_type: z.enum(HOLD_TYPES, `must be one of ${HOLD_TYPES.join(', ')}`).default('QUALITY'),
  scope: scopeSchema.default({ kind: 'LOT' }),
  approval_route: z.string().min(1).optional(),
  notify: z.array(z.string().min(1)).default([]),
});
export type Rule = z.output<typeof ruleSchema>;

export const ruleSetSchema = z
  .strictObject({
    // Raise it on every change; the content hash tells versions with the same number apart.
    version: z.number('give the rule set a version number').int().min(1),
    rules: z.array(ruleSchema).default([]),
    routes: z.array(routeSchema).default([]),
  })
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.rules.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'id'],
          message: `'${r.id}' is used twice (rule ids must be unique)`,
        });
      seen.add(r.id);
    });
  });

export interface RuleSet {
  version: number;
  hash: string;
  rules: readonly Rule[];
  routes: readonly ApprovalRoute[];
}

/** The hash covers the parsed content (not comments or layout), so reformatting is not a new version. */
export function compileRuleSet(parsed: z.output<typeof ruleSetSchema>): RuleSet {
  const hash = createHash('sha256').update(JSON.stringify(parsed)).digest('hex').slice(0, 16);
  return { version: parsed.version, hash, rules: parsed.rules, routes: parsed.routes };
}

export interface ClassifyContext {
  productFamily?: string;
}

export interface Classification {
  rule: Rule;
  severity: Severity;
  holdType: HoldType;
  scope: ScopeSpec;
  scopeKind: ScopeKind;
}

function any<T>(wanted: readonly T[] | undefined, have: readonly (T | undefined)[]): boolean {
  return wanted === undefined || have.some((h) => h !== undefined && wanted.includes(h));
}

export function ruleMatches(rule: Rule, event: QualityEvent, ctx: ClassifyContext): boolean {
  const m = rule.match;
  const findings = event.units.flatMap((u) => u.findings);
  return (
    any(m.kinds, [event.kind]) &&
    any(m.results, [event.result]) &&
    any(
      m.codes,
      findings.map((f) => f.code),
    ) &&
    any(m.severities, [event.severity]) &&
    (m.max_priority === undefined ||
      findings.some((f) => f.priority !== undefined && f.priority <= m.max_priority!)) &&
    any(m.product_families, [ctx.productFamily]) &&
    any(m.lines, [event.context.line]) &&
    any(m.stations, [event.context.station]) &&
    any(m.plants, [event.context.plant])
  );
}

/** The first matching rule's classification, or undefined when no rule matches. */
export function classify(
  set: RuleSet,
  event: QualityEvent,
  ctx: ClassifyContext,
): Classification | undefined {
  const rule = set.rules.find((r) => ruleMatches(r, event, ctx));
  if (!rule) return undefined;
  return {
    rule,
    severity: rule.severity,
    holdType: rule.hold_type,
    scope: rule.scope,
    scopeKind: rule.scope.kind,
  };
}
