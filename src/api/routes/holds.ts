/** Holds: list, detail (lines, scope inputs, order impact), manual hold, void, split. */
import { z } from 'zod';
import type { Api } from '../route.js';
import { ApiError } from '../route.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../auth.js';
import { scopeSchema } from '../../holds/rules.js';
import { HOLD_TYPES, SEVERITIES } from '../../holds/types.js';
import { placeManualHold, splitLine, voidHold } from '../../containment/commands.js';
import { authorize } from '../../access/roles.js';
import type { HoldRow } from '../../store/holds-repo.js';

const holdId = z.object({ id: z.string().regex(/^H-\d{6,}$/, 'must be a hold id such as H-000042') });
const lineId = z.object({
  id: z.coerce.number().int().positive('must be a hold line id (a positive number)'),
});
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time');

export const manualHoldBody = z.strictObject({
  type: z.enum(HOLD_TYPES, `must be one of ${HOLD_TYPES.join(', ')}`),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)'),
  severity: z.enum(SEVERITIES).optional(),
  scope: scopeSchema.default({ kind: 'LOT' }),
  serials: z.array(z.string().min(1)).default([]),
  lots: z.array(z.string().min(1)).default([]),
  plant: z.string().min(1).optional(),
  line: z.string().min(1).optional(),
  station: z.string().min(1).optional(),
  machine: z.string().min(1).optional(),
  /** The time the scope is computed around (default: now). */
  at: isoTime.optional(),
});

function summary(h: HoldRow) {
  return {
    id: h.id,
    type: h.type,
    state: h.state,
    severity: h.severity,
    reason: h.reason,
    plant: h.plant,
    productFamily: h.product_family,
    scopeKind: h.scope_kind,
    createdBy: h.created_by,
    rule: h.rule_id ? `${h.rule_id}@${h.rule_version}` : null,
    approvalRoute: h.approval_route,
    createdAt: h.created_at,
    closedAt: h.closed_at,
    voidReason: h.void_reason,
  };
}

export function holdRoutes(api: Api, deps: ApiDeps): void {
  const r = deps.repos;
  const scopeOf = (h: HoldRow) => ({ plant: h.plant, family: h.product_family });
  const load = (id: string) => {
    const h = r.holds.hold(id);
    if (!h) throw new ApiError(404, 'HG_HOLD_NOT_FOUND', `hold ${id} does not exist`);
    return h;
  };

  api.route({
    method: 'GET',
    url: '/api/v1/holds',
    summary: 'List holds (newest first), limited to the caller’s plants and product families',
    tag: 'holds',
    permission: 'hold.read',
    query: z.object({
      state: z.enum(['ACTIVE', 'CLOSED', 'VOIDED']).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    handler: ({ query, principal }) => ({
      holds: r.holds
        .list({ state: query.state, limit: query.limit })
        .filter((h) => authorize(principal, 'hold.read', scopeOf(h)).ok)
        .map(summary),
    }),
  });

  api.route({
    method: 'GET',
    url: '/api/v1/holds/:id',
    summary: 'One hold with its lines, the scope inputs it was computed from, and its order impact',
    tag: 'holds',
    permission: 'hold.read',
    params: holdId,
    handler: async ({ params, require }) => {
      const h = load(params.id);
      await require('hold.read', scopeOf(h));
      return {
        ...summary(h),
        scope: JSON.parse(h.scope) as unknown,
        notifyRoles: JSON.parse(h.notify_roles) as unknown,
        eventSeq: h.event_seq,
        lines: r.holds.lines(h.id, true).map((l) => ({
          id: l.id,
          lotId: l.lot_id,
          quantity: l.quantity,
          uom: l.uom,
          state: l.state,
          parentLineId: l.parent_line_id,
          heldAt: l.held_at,
          endedAt: l.ended_at,
          serials: l.serials ?? null,
        })),
        orderImpact: deps.orders.impactsOfHold(h.id),
        // The rule's events: the one that placed the hold (HOLD) and later ones on the same material (ATTACHED).
        events: r.holds.events(h.id),
      };
    },
  });

  api.route({
    method: 'POST',
    url: '/api/v1/holds',
    summary: 'Place a manual hold: the same scopes a rule can use, computed now',
    tag: 'holds',
    permission: 'hold.place',
    body: manualHoldBody,
    status: 201,
    handler: async ({ body, principal, require }) => {
      if (body.serials.length === 0 && body.lots.length === 0)
        throw new ApiError(400, 'HG_VALIDATION', 'name the material to hold', [
          'body.serials: list at least one serial or lot',
        ]);
      const item = body.serials[0]
        ? r.material.unit(body.serials[0])?.item
        : body.lots[0]
          ? r.material.lot(body.lots[0])?.item
          : null;
      const family = item ? (r.material.item(item)?.family ?? null) : null;
      const plant = body.plant ?? deps.plant;
      await require('hold.place', { plant, family });
      const at = body.at ? new Date(body.at).toISOString() : deps.now().toISOString();
      const placed = await deps.command((repos) =>
        placeManualHold(repos, {
          type: body.type,
          severity: body.severity,
          reason: body.reason,
          scope: body.scope,
          trigger: {
            serials: body.serials,
            lots: body.lots,
            at,
            line: body.line,
            station: body.station,
            machine: body.machine,
          },
          plant,
          actor: actorOf(principal),
          source: 'api',
          at,
        }),
      );
      return { holdId: placed.holdId, lineIds: placed.lineIds };
    },
  });

  api.route({
    method: 'POST',
    url: '/api/v1/holds/:id/void',
    summary: 'Void a hold placed in error (reason required); its lines stop blocking',
    tag: 'holds',
    permission: 'hold.void',
    params: holdId,
    body: z.strictObject({
      reason: z.string().trim().min(3, 'say why the hold was wrong (at least 3 characters)'),
    }),
    handler: async ({ params, body, principal, require }) => {
      const h = load(params.id);
      await require('hold.void', scopeOf(h));
      await deps.command((repos) =>
        voidHold(repos, h.id, body.reason, actorOf(principal), 'api', deps.now().toISOString()),
      );
      return { holdId: h.id, state: 'VOIDED' };
    },
  });

  api.route({
    method: 'POST',
    url: '/api/v1/hold-lines/:id/split',
    summary: 'Split a HELD line into parts that add up exactly (quantities, or a partition of its serials)',
    tag: 'holds',
    permission: 'hold.split',
    params: lineId,
    body: z.strictObject({
      parts: z
        .array(
          z.strictObject({
            quantity: z.number().positive('must be more than 0').optional(),
            serials: z.array(z.string().min(1)).min(1).optional(),
          }),
        )
        .min(2, 'a split needs at least two parts'),
      reason: z.string().optional(),
    }),
    handler: async ({ params, body, principal, require }) => {
      const line = r.holds.line(params.id, false);
      if (!line) throw new ApiError(404, 'HG_LINE_NOT_FOUND', `hold line ${params.id} does not exist`);
      await require('hold.split', scopeOf(load(line.hold_id)));
      const children = await deps.command((repos) =>
        splitLine(
          repos,
          params.id,
          body.parts,
          actorOf(principal),
          'api',
          deps.now().toISOString(),
          body.reason,
        ),
      );
      return { lineId: params.id, children };
    },
  });
}
