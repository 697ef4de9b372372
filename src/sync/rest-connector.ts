/**
 * REST/webhook connector for middleware and iPaaS: POST JSON (one row, or an array when
 * batching), `Idempotency-Key` = the outbox key (a batch carries each row's key inside and
 * the first row's key in the header), and `X-Holdgate-Signature: sha256=<HMAC of the body>`.
 * undici with keep-alive and timeouts.
 */
import { createHmac } from 'node:crypto';
import { Pool } from 'undici';
import { classifyHttp, type Connector, type OutgoingRow, type SendResult } from './connector.js';

export interface RestOptions {
  url: string;
  secret?: string;
  timeoutMs: number;
  connections: number;
  batch: boolean;
}

export class RestConnector implements Connector {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(private readonly opts: RestOptions) {
    const u = new URL(opts.url);
    this.pool = new Pool(u.origin, {
      connections: opts.connections,
      keepAliveTimeout: 30_000,
      connect: { timeout: opts.timeoutMs },
    });
    this.path = `${u.pathname}${u.search}`;
  }

  async send(rows: OutgoingRow[]): Promise<SendResult> {
    const doc = (r: OutgoingRow) => ({
      idempotencyKey: r.idempotencyKey,
      seq: r.seq,
      type: r.type,
      orderingKey: r.orderingKey,
      createdAt: r.createdAt,
      payload: r.payload,
    });
    const body = JSON.stringify(this.opts.batch ? rows.map(doc) : doc(rows[0]!));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': rows[0]!.idempotencyKey,
    };
    if (this.opts.secret)
      headers['x-holdgate-signature'] =
        `sha256=${createHmac('sha256', this.opts.secret).update(body).digest('hex')}`;
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: this.path,
        body,
        headers,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
      });
      const text = await res.body.text();
      return classifyHttp(res.statusCode, res.headers['retry-after'], text);
    } catch (err) {
      return { kind: 'retry', reason: `network: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
