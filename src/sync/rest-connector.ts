/**
 * REST/webhook connector for middleware and iPaaS: POST JSON (one row, or an array when
 * batching), `Idempotency-Key` = the outbox key (a batch carries each row's key inside and
 * the first row's key in the header), and `X-Holdgate-Signature: sha256=<HMAC of the body>`.
 * undici with keep-alive and timeouts.
 */
import { createHmac } from 'node:crypto';
import { Pool, request } from 'undici';
import { readPath } from '../profiles/field-path.js';
import { classifyHttp, type Connector, type OutgoingRow, type SendResult } from './connector.js';

export interface RestOptions {
  url: string;
  secret?: string;
  timeoutMs: number;
  connections: number;
  batch: boolean;
  auth?: { loginUrl: string; username: string; password: string };
  mapping?: { typeNames: Partial<Record<string, string>>; fields?: Record<string, string> };
}

export class RestConnector implements Connector {
  private readonly pool: Pool;
  private readonly path: string;
  private token?: string;

  constructor(private readonly opts: RestOptions) {
    const u = new URL(opts.url);
    this.pool = new Pool(u.origin, {
      connections: opts.connections,
      keepAliveTimeout: 30_000,
      connect: { timeout: opts.timeoutMs },
    });
    this.path = `${u.pathname}${u.search}`;
  }

  /** Logs in (again): a fresh bearer token for the following requests. */
  async login(): Promise<void> {
    const a = this.opts.auth;
    if (!a) return;
    const res = await request(a.loginUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: a.username, password: a.password }),
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
    const body = (await res.body.json().catch(() => ({}))) as { token?: unknown };
    if (res.statusCode !== 200 || typeof body.token !== 'string')
      throw new Error(`login at ${a.loginUrl} failed: HTTP ${res.statusCode}`);
    this.token = body.token;
  }

  /** This target's shape of a row: its type names and picked payload fields, if it has a mapping. */
  private shape(r: OutgoingRow): unknown {
    const m = this.opts.mapping;
    const payload = m?.fields
      ? Object.fromEntries(
          Object.entries(m.fields).map(([out, path]) => [out, readPath(r.payload, path) ?? null]),
        )
      : r.payload;
    return {
      idempotencyKey: r.idempotencyKey,
      seq: r.seq,
      type: m?.typeNames[r.type] ?? r.type,
      orderingKey: r.orderingKey,
      createdAt: r.createdAt,
      payload,
    };
  }

  async send(rows: OutgoingRow[]): Promise<SendResult> {
    if (this.opts.auth && !this.token) {
      try {
        await this.login();
      } catch (err) {
        return { kind: 'retry', reason: (err as Error).message };
      }
    }
    const doc = (r: OutgoingRow) => this.shape(r);
    const body = JSON.stringify(this.opts.batch ? rows.map(doc) : doc(rows[0]!));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': rows[0]!.idempotencyKey,
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
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
