/**
 * A small Tryton 6.0 JSON-RPC client: login to a session, model calls with the user's
 * context as the last positional parameter (the server does not fill it in), Decimal
 * and date values in Tryton's tagged form. undici keep-alive pool with timeouts.
 */
import { Pool } from 'undici';

export type TrytonFailure = 'network' | 'http' | 'user' | 'access' | 'server';

/** A failed call, classified so the connector can tell retry, re-login, stop and reject apart. */
export class TrytonError extends Error {
  constructor(
    readonly failure: TrytonFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TrytonError';
  }
}

export const decimal = (v: number | string) => ({ __class__: 'Decimal', decimal: String(v) });

/** Tryton sends Decimals as tagged objects; every quantity and price we read is a plain number. */
function revive(_key: string, v: unknown): unknown {
  if (v && typeof v === 'object' && (v as { __class__?: unknown }).__class__ === 'Decimal')
    return Number((v as { decimal: string }).decimal);
  return v;
}

export interface TrytonRpcOptions {
  url: string;
  database: string;
  username: string;
  password: string;
  timeoutMs: number;
  connections?: number;
}

export type Context = Record<string, unknown>;

export class TrytonRpc {
  private readonly pool: Pool;
  private readonly path: string;
  private auth?: string;
  private seq = 0;
  /** The user's preferences (company, language…): sent with every model call. */
  context: Context = {};
  uid = 0;

  constructor(private readonly options: TrytonRpcOptions) {
    const u = new URL(options.url);
    this.pool = new Pool(u.origin, {
      connections: options.connections ?? 4,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.timeoutMs },
    });
    this.path = `${u.pathname.replace(/\/+$/, '')}/${encodeURIComponent(options.database)}/`;
  }

  get loggedIn(): boolean {
    return this.auth !== undefined;
  }

  /** A new session (also after a 401: Tryton's sessions time out when idle). */
  async login(): Promise<void> {
    this.auth = undefined;
    const o = this.options;
    const [uid, session] = (await this.call('common.db.login', [
      o.username,
      { password: o.password },
      'en',
    ])) as [number, string];
    this.uid = uid;
    this.auth = `Session ${Buffer.from(`${o.username}:${uid}:${session}`).toString('base64')}`;
    try {
      this.context = (await this.call('model.res.user.get_preferences', [true, {}])) as Context;
    } catch (err) {
      // Half a login is no login: without the preferences every later call lacks its company.
      this.auth = undefined;
      throw err;
    }
  }

  async call(method: string, params: unknown[]): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.auth) headers.authorization = this.auth;
    let status: number;
    let text: string;
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers,
        body: JSON.stringify({ id: ++this.seq, method, params }),
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new TrytonError('network', `${method}: ${(err as Error).message}`);
    }
    if (status !== 200) {
      if (status === 401) this.auth = undefined;
      throw new TrytonError('http', `${method}: HTTP ${status} ${text.slice(0, 200)}`, status);
    }
    let body: { result?: unknown; error?: unknown };
    try {
      body = JSON.parse(text, revive) as typeof body;
    } catch {
      throw new TrytonError('server', `${method}: not JSON: ${text.slice(0, 200)}`);
    }
    if (body.error !== undefined) {
      const [name, detail] = (Array.isArray(body.error) ? body.error : [JSON.stringify(body.error), '']) as [
        unknown,
        unknown,
      ];
      const message = Array.isArray(detail) ? String(detail[0]) : String(detail);
      // UserError/UserWarning: the ERP refuses this document; AccessError: our user lacks rights.
      const failure: TrytonFailure =
        name === 'UserError' || name === 'UserWarning'
          ? 'user'
          : name === 'AccessError'
            ? 'access'
            : 'server';
      throw new TrytonError(failure, `${method}: ${String(name)}: ${message}`);
    }
    return body.result;
  }

  /** model.<name>.<method>(...args, context) */
  model<T = unknown>(name: string, method: string, ...args: unknown[]): Promise<T> {
    return this.call(`model.${name}.${method}`, [...args, this.context]) as Promise<T>;
  }

  /** The same with extra context keys, e.g. { locations: [id] } for stock quantities. */
  modelIn<T = unknown>(extra: Context, name: string, method: string, ...args: unknown[]): Promise<T> {
    return this.call(`model.${name}.${method}`, [...args, { ...this.context, ...extra }]) as Promise<T>;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
