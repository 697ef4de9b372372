/**
 * Approval routes: matched by severity, product family, plant, disposition actions,
 * quantity or value, and customer; ordered steps with a role, a quorum (n distinct
 * approvers), an SLA and an escalation role. Pure.
 */
import { z } from 'zod';
import { SEVERITIES } from './types.js';
import { DISPOSITION_ACTIONS, type DispositionAction } from './disposition.js';
import { ROLES } from '../access/roles.js';

export const routeSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'use lower-case letters, digits, dot, dash'),
  description: z.string().optional(),
  match: z
    .strictObject({
      severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
      product_families: z.array(z.string().min(1)).min(1).optional(),
      plants: z.array(z.string().min(1)).min(1).optional(),
      // The route applies when the decision contains any of these actions.
      actions: z.array(z.enum(DISPOSITION_ACTIONS)).min(1).optional(),
      min_quantity: z.number().min(0).optional(),
      min_value: z.number().min(0).optional(),
      // Customer-specific release: material allocated to one of these customers.
      customers: z.array(z.string().min(1)).min(1).optional(),
    })
    .default({}),
  steps: z
    .array(
      z.strictObject({
        role: z.enum(ROLES, `must be one of ${ROLES.join(', ')}`),
        quorum: z.number().int().min(1).default(1),
        sla_hours: z.number().positive().optional(),
        escalate_to: z.enum(ROLES).optional(),
      }),
    )
    .min(1, 'a route needs at least one step'),
});
export type ApprovalRoute = z.output<typeof routeSchema>;

/** When no configured route matches: quality and production each sign once. */
export const DEFAULT_ROUTE: ApprovalRoute = {
  id: 'default',
  description: 'quality and production sign (no configured route matched)',
  match: {},
  steps: [
    { role: 'quality_manager', quorum: 1, sla_hours: 24, escalate_to: 'plant_manager' },
    { role: 'supervisor', quorum: 1, sla_hours: 24, escalate_to: 'plant_manager' },
  ],
};

export interface RouteContext {
  severity: string | null;
  family: string | null;
  plant: string | null;
  actions: DispositionAction[];
  quantity: number;
  value: number;
  customers: string[];
}

export function routeMatches(r: ApprovalRoute, c: RouteContext): boolean {
  const m = r.match;
  return (
    (!m.severities || (c.severity !== null && (m.severities as string[]).includes(c.severity))) &&
    (!m.product_families || (c.family !== null && m.product_families.includes(c.family))) &&
    (!m.plants || (c.plant !== null && m.plants.includes(c.plant))) &&
    (!m.actions || c.actions.some((a) => m.actions!.includes(a))) &&
    (m.min_quantity === undefined || c.quantity >= m.min_quantity) &&
    (m.min_value === undefined || c.value >= m.min_value) &&
    (!m.customers || c.customers.some((x) => m.customers!.includes(x)))
  );
}

/**
 * The route for a decision: a customer-specific route wins (its customer's own sign-off
 * is a requirement, not a preference), then the route the hold's rule named if it
 * matches, then the first matching route, then the default.
 */
export function selectRoute(
  routes: readonly ApprovalRoute[],
  c: RouteContext,
  preferred: string | null,
): ApprovalRoute {
  const matching = routes.filter((r) => routeMatches(r, c));
  return (
    matching.find((r) => r.match.customers !== undefined) ??
    matching.find((r) => r.id === preferred) ??
    matching[0] ??
    DEFAULT_ROUTE
  );
}
