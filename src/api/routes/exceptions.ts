/** Approved exceptions over HTTP: grant (signed), use, revoke, list. */
import { z } from 'zod';
import type { Api } from '../route.js';
import type { ApiDeps } from '../deps.js';
import { OPERATIONS } from '../../holds/types.js';
import { grantException, revokeException, useException } from '../../containment/exceptions.js';
import { reauthenticate, signatureBody } from '../signing.js';
import { actorOf } from '../auth.js';

const exceptionId = z.object({
  id: z.string().regex(/^X-\d{6,}$/, 'must be an exception id such as X-000003'),
});

export function exceptionRoutes(api: Api, deps: ApiDeps): void {
  api.route({
    method: 'POST',
    url: '/api/v1/exceptions',
    summary:
      'Grant a deviation or concession: one operation on named held material, until it expires or is used up (signed)',
    tag: 'exceptions',
    permission: 'exception.grant',
    body: z.intersection(
      signatureBody,
      z
        .object({
          kind: z.enum(['DEVIATION', 'CONCESSION']),
          operation: z.enum(OPERATIONS, `must be one of ${OPERATIONS.join(', ')}`),
          serial: z.string().min(1).optional(),
          lot: z.string().min(1).optional(),
          holdId: z.string().optional(),
          quantity: z.number().positive().optional(),
          customer: z.string().min(1).optional(),
          reference: z.string().min(1, 'give the deviation or concession document reference'),
          expiresAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time'),
        })
        .refine((b) => (b.serial === undefined) !== (b.lot === undefined), {
          message: 'name exactly one of serial or lot',
          path: ['serial'],
        }),
    ),
    status: 201,
    handler: async ({ body, principal }) => {
      const signer = await reauthenticate(deps, principal, body);
      const id = await deps.command((r) =>
        grantException(
          r,
          {
            kind: body.kind,
            operation: body.operation,
            subject: body.serial ? { kind: 'serial', id: body.serial } : { kind: 'lot', id: body.lot! },
            holdId: body.holdId,
            quantity: body.quantity,
            customer: body.customer,
            reference: body.reference,
            reason: body.reason,
            expiresAt: body.expiresAt,
          },
          signer,
          deps.now().toISOString(),
        ),
      );
      return { id };
    },
  });

  api.route({
    method: 'POST',
    url: '/api/v1/exceptions/:id/use',
    summary: 'Record material moved under an exception; refused beyond its quantity or after expiry',
    tag: 'exceptions',
    permission: 'interlock.check',
    params: exceptionId,
    body: z.strictObject({ quantity: z.number().positive().default(1), reference: z.string().optional() }),
    handler: ({ params, body, principal }) =>
      deps.command((r) =>
        useException(
          r,
          params.id,
          body.quantity,
          actorOf(principal).id,
          body.reference,
          deps.now().toISOString(),
        ),
      ),
  });

  api.route({
    method: 'POST',
    url: '/api/v1/exceptions/:id/revoke',
    summary: 'Revoke an exception before it expires',
    tag: 'exceptions',
    permission: 'exception.grant',
    params: exceptionId,
    body: z.strictObject({ reason: z.string().trim().min(3) }),
    handler: async ({ params, body, principal }) => {
      await deps.command((r) =>
        revokeException(r, params.id, actorOf(principal).id, body.reason, deps.now().toISOString()),
      );
      return { id: params.id, state: 'REVOKED' };
    },
  });

  api.route({
    method: 'GET',
    url: '/api/v1/exceptions',
    summary: 'Approved exceptions, newest first',
    tag: 'exceptions',
    permission: 'hold.read',
    handler: () => ({
      exceptions: deps.repos.db
        .prepare('SELECT * FROM approved_exceptions ORDER BY created_at DESC LIMIT 500')
        .all(),
    }),
  });
}
