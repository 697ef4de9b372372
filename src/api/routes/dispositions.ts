/**
 * Dispositions over HTTP: propose (with split slices), submit, approve or reject with a
 * re-authenticated e-signature, withdraw; read a decision with its tasks and signatures;
 * list rework requests.
 */
import { z } from 'zod';
import type { Api, RouteContext } from '../route.js';
import { ApiError } from '../route.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../auth.js';
import { DISPOSITION_ACTIONS } from '../../holds/disposition.js';
import { decisionHash } from '../../holds/disposition.js';
import {
  approveDisposition,
  createDisposition,
  rejectDisposition,
  submitDisposition,
  withdrawDisposition,
} from '../../containment/dispositions.js';
import { reauthenticate, signatureBody } from '../signing.js';

const dispositionId = z.object({
  id: z.string().regex(/^D-\d{6,}$/, 'must be a disposition id such as D-000007'),
});

export function dispositionRoutes(api: Api, deps: ApiDeps): void {
  const r = deps.repos;
  const scopeOfHold = (holdId: string) => {
    const h = r.holds.hold(holdId);
    return { plant: h?.plant ?? null, family: h?.product_family ?? null };
  };
  const loadDecision = (id: string) => {
    const d = r.dispositions.get(id);
    if (!d) throw new ApiError(404, 'HG_DISPOSITION_NOT_FOUND', `disposition ${id} does not exist`);
    return d;
  };
  /** Approve and reject: the approver's scope on the decision, then a re-authenticated signer. */
  const signedStep = async ({
    params,
    body,
    principal,
    require,
  }: RouteContext<{ id: string }, unknown, z.output<typeof signatureBody>>) => {
    const d = loadDecision(params.id);
    await require('disposition.approve', scopeOfHold(d.hold_id));
    return { d, s: await reauthenticate(deps, principal, body) };
  };

  api.route({
    method: 'POST',
    url: '/api/v1/holds/:id/dispositions',
    summary:
      'Propose a disposition (DRAFT): slices of held lines with an action each; quantities must add up to what is held',
    tag: 'dispositions',
    permission: 'disposition.propose',
    params: z.object({ id: z.string().regex(/^H-\d{6,}$/, 'must be a hold id') }),
    body: z.strictObject({
      rationale: z.string().optional(),
      slices: z
        .array(
          z.strictObject({
            lineId: z.number().int().positive(),
            action: z.enum(DISPOSITION_ACTIONS, `must be one of ${DISPOSITION_ACTIONS.join(', ')}`),
            quantity: z.number().positive().optional(),
            serials: z.array(z.string().min(1)).min(1).optional(),
            deviationRef: z.string().min(1).optional(),
            reasonCode: z.string().min(1).optional(),
          }),
        )
        .min(1),
    }),
    status: 201,
    handler: async ({ params, body, principal, require }) => {
      await require('disposition.propose', scopeOfHold(params.id));
      const id = await deps.command((repos) =>
        createDisposition(repos, {
          holdId: params.id,
          slices: body.slices,
          rationale: body.rationale,
          actor: actorOf(principal),
          at: deps.now().toISOString(),
        }),
      );
      return { id, state: 'DRAFT' };
    },
  });

  api.route({
    method: 'POST',
    url: '/api/v1/dispositions/:id/submit',
    summary:
      'Submit a DRAFT for approval: the matching route’s steps become tasks, the lines DISPOSITION_PENDING',
    tag: 'dispositions',
    permission: 'disposition.propose',
    params: dispositionId,
    handler: async ({ params, principal, require }) => {
      const d = loadDecision(params.id);
      await require('disposition.propose', scopeOfHold(d.hold_id));
      const route = await deps.command((repos) =>
        submitDisposition(repos, d.id, actorOf(principal), deps.routes(), deps.now().toISOString()),
      );
      return { id: d.id, state: 'SUBMITTED', route: route.id, steps: route.steps };
    },
  });

  api.route({
    method: 'POST',
    url: '/api/v1/dispositions/:id/approve',
    summary:
      'Approve the current step with a re-authenticated signature (meaning APPROVED); the last approval executes the decision',
    tag: 'dispositions',
    permission: 'disposition.approve',
    params: dispositionId,
    body: signatureBody,
    handler: async (ctx) => {
      const { d, s } = await signedStep(ctx);
      return deps.command((repos) =>
        approveDisposition(repos, d.id, s, ctx.body.reason, deps.now().toISOString()),
      );
    },
  });

  api.route({
    method: 'POST',
    url: '/api/v1/dispositions/:id/reject',
    summary:
      'Reject with a signature (meaning REVIEWED): the decision goes back to DRAFT and the lines to HELD',
    tag: 'dispositions',
    permission: 'disposition.approve',
    params: dispositionId,
    body: signatureBody,
    handler: async (ctx) => {
      const { d, s } = await signedStep(ctx);
      await deps.command((repos) =>
        rejectDisposition(repos, d.id, s, ctx.body.reason, deps.now().toISOString()),
      );
      return { id: d.id, state: 'DRAFT' };
    },
  });

  api.route({
    method: 'POST',
    url: '/api/v1/dispositions/:id/withdraw',
    summary: 'Withdraw a DRAFT or SUBMITTED decision',
    tag: 'dispositions',
    permission: 'disposition.propose',
    params: dispositionId,
    body: z.strictObject({ reason: z.string().trim().min(3) }),
    handler: async ({ params, body, principal, require }) => {
      const d = loadDecision(params.id);
      await require('disposition.propose', scopeOfHold(d.hold_id));
      await deps.command((repos) =>
        withdrawDisposition(repos, d.id, actorOf(principal), body.reason, deps.now().toISOString()),
      );
      return { id: d.id, state: 'WITHDRAWN' };
    },
  });

  api.route({
    method: 'GET',
    url: '/api/v1/dispositions/:id',
    summary:
      'A decision: slices (and the lines they produced), approval tasks, approvals and signatures, and whether they still verify',
    tag: 'dispositions',
    permission: 'disposition.read',
    params: dispositionId,
    handler: async ({ params, require }) => {
      const d = loadDecision(params.id);
      await require('disposition.read', scopeOfHold(d.hold_id));
      const hash = decisionHash(r.dispositions.record(d));
      return {
        ...d,
        recordHash: hash,
        slices: r.dispositions.slices(d.id),
        tasks: r.dispositions.tasks(d.id).map((t) => ({ ...t, approvals: r.dispositions.approvals(t.id) })),
        signatures: r.dispositions.signaturesOf('disposition', d.id).map((s) => ({
          ...s,
          verifies: s.record_id === `${d.id}@${d.revision}` ? s.record_hash === hash : null,
        })),
      };
    },
  });

  api.route({
    method: 'GET',
    url: '/api/v1/rework-requests',
    summary: 'Rework and repair requests from approved decisions (a later capability turns them into orders)',
    tag: 'dispositions',
    permission: 'disposition.read',
    query: z.object({
      state: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(200),
    }),
    handler: ({ query }) => ({ requests: r.dispositions.reworkRequests(query) }),
  });
}
