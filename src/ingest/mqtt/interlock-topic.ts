/**
 * Interlocks over MQTT request/response. MQTT 3.1.1 (what aedes speaks) has no
 * response-topic property, so the correlation id travels in the payload and each
 * requester has its own reply topic:
 *
 *   request  holdgate/interlock/request/<requester>  {"correlationId":"…","serial":"SN-1","operation":"ship"}
 *                                                    or {"correlationId":"…","checks":[{…},{…}]}
 *   reply    holdgate/interlock/reply/<requester>    {"correlationId":"…","answer":{…}} / {"answers":[…]} / {"error":{…}}
 *
 * The device ACLs apply to both topics, and an authenticated device may only use its
 * own <requester> segment, so nobody can read another station's answers.
 */
import { z } from 'zod';
import { interlockQuestion } from '../../containment/interlock-request.js';
import { formatIssues } from '../../config/issues.js';
import type { Interlocks } from '../../containment/interlocks.js';
import type { GroupCommitWriter } from '../../store/group-commit.js';
import type { InterlockAnswer } from '../../holds/interlock.js';

export const REQUEST_PREFIX = 'holdgate/interlock/request/';
export const REPLY_PREFIX = 'holdgate/interlock/reply/';

const correlationId = z.string('give a correlationId (echoed in the reply)').min(1).max(200);
const batch = z.strictObject({ correlationId, checks: z.array(interlockQuestion).min(1).max(1000) });
const single = z.intersection(z.object({ correlationId }), interlockQuestion);

export interface InterlockReply {
  topic: string;
  payload: Record<string, unknown>;
}

export class InterlockTopic {
  constructor(
    private readonly interlocks: Interlocks,
    private readonly writer: GroupCommitWriter,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The requester id from a request topic, or undefined if it is not one. */
  static requester(topic: string): string | undefined {
    if (!topic.startsWith(REQUEST_PREFIX)) return undefined;
    const rest = topic.slice(REQUEST_PREFIX.length);
    return rest && !rest.includes('/') ? rest : undefined;
  }

  answer(requester: string, payload: Buffer): InterlockReply {
    const topic = `${REPLY_PREFIX}${requester}`;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return {
        topic,
        payload: { error: { code: 'HG_VALIDATION', message: 'the request is not JSON', issues: [] } },
      };
    }
    const isBatch = typeof json === 'object' && json !== null && 'checks' in json;
    const parsed = isBatch ? batch.safeParse(json) : single.safeParse(json);
    if (!parsed.success) {
      const correlationId = (json as { correlationId?: unknown } | null)?.correlationId;
      return {
        topic,
        payload: {
          ...(typeof correlationId === 'string' ? { correlationId } : {}),
          error: {
            code: 'HG_VALIDATION',
            message: 'the request is not valid',
            issues: formatIssues(parsed.error.issues),
          },
        },
      };
    }
    const ask = (q: z.output<typeof interlockQuestion>): InterlockAnswer => {
      const a = this.interlocks.check(
        q.serial !== undefined ? { serial: q.serial } : { lot: q.lot! },
        q.operation,
      );
      if (!a.allowed)
        void this.interlocks
          .recordRefusal(this.writer, a, `mqtt:${requester}`, this.now().toISOString())
          .catch(() => undefined);
      return a;
    };
    const r = parsed.data;
    if ('checks' in r)
      return { topic, payload: { correlationId: r.correlationId, answers: r.checks.map(ask) } };
    return { topic, payload: { correlationId: r.correlationId, answer: ask(r) } };
  }
}
