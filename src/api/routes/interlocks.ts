/** Interlocks over HTTP: one question, or a batch of them, answered from local state. */
import { z } from 'zod';
import type { Api } from '../route.js';
import type { ApiDeps } from '../deps.js';
import { OPERATIONS } from '../../holds/types.js';
import type { InterlockAnswer } from '../../holds/interlock.js';
import type { Principal } from '../../access/roles.js';
import { interlockQuestion } from '../../containment/interlock-request.js';

export function requesterOf(p: Principal): string {
  return p.username ?? `${p.kind}:${p.id}`;
}

export function interlockRoutes(api: Api, deps: ApiDeps): void {
  const ask = (q: z.output<typeof interlockQuestion>, requester: string): InterlockAnswer => {
    const answer = deps.interlocks.check(
      q.serial !== undefined ? { serial: q.serial } : { lot: q.lot! },
      q.operation,
    );
    // Recorded after the answer, through the group commit; a failure to record does not change it.
    if (!answer.allowed)
      void deps.interlocks
        .recordRefusal(deps.writer, answer, requester, deps.now().toISOString())
        .catch(() => undefined);
    return answer;
  };

  api.route({
    method: 'GET',
    url: '/api/v1/interlocks/:operation',
    summary: 'May this serial or lot do this operation? With the blocking holds and their reasons',
    tag: 'interlocks',
    permission: 'interlock.check',
    params: z.object({ operation: z.enum(OPERATIONS, `must be one of ${OPERATIONS.join(', ')}`) }),
    query: z
      .object({ serial: z.string().min(1).optional(), lot: z.string().min(1).optional() })
      .refine((q) => (q.serial === undefined) !== (q.lot === undefined), {
        message: 'name exactly one of serial or lot',
        path: ['serial'],
      }),
    handler: ({ params, query, principal }) =>
      ask({ ...query, operation: params.operation }, requesterOf(principal)),
  });

  api.route({
    method: 'POST',
    url: '/api/v1/interlocks',
    summary: 'Many interlock questions at once (up to 1000), answered in order',
    tag: 'interlocks',
    permission: 'interlock.check',
    body: z.strictObject({ checks: z.array(interlockQuestion).min(1).max(1000) }),
    handler: ({ body, principal }) => ({ answers: body.checks.map((q) => ask(q, requesterOf(principal))) }),
  });
}
