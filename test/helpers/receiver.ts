/** A local HTTP receiver standing in for middleware / an ERP endpoint, with scripted answers. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: {
    idempotencyKey: string;
    seq: number;
    type: string;
    orderingKey: string;
    payload: Record<string, unknown>;
  };
  status: number;
  /** When the request arrived (ms). */
  at: number;
}

export type Answer = (
  r: Omit<Received, 'status'>,
  attempt: number,
) => { status: number; headers?: Record<string, string>; delayMs?: number };

export async function startReceiver(answer: Answer = () => ({ status: 200 }), port = 0) {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  let current = answer;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const json = JSON.parse(body) as Received['json'];
      const key = Array.isArray(json) ? (json as Received['json'][])[0]!.idempotencyKey : json.idempotencyKey;
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      const arrived = Date.now();
      const a = current({ headers: req.headers, body, json, at: arrived }, n);
      setTimeout(() => {
        received.push({ headers: req.headers, body, json, status: a.status, at: arrived });
        res.writeHead(a.status, a.headers).end(a.status >= 300 ? 'rejected by receiver' : '');
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/holdgate/tx`,
    received,
    /** Rows the receiver accepted (2xx), in the order it accepted them. */
    applied: () => received.filter((r) => r.status < 300),
    /**
     * What an idempotent receiver applied: the first accepted copy of each key, in the
     * order applied (a resend with a known Idempotency-Key is answered 2xx and ignored).
     */
    appliedOnce: () => {
      const seen = new Set<string>();
      return received.filter(
        (r) => r.status < 300 && !seen.has(r.json.idempotencyKey) && (seen.add(r.json.idempotencyKey), true),
      );
    },
    answer(a: Answer) {
      current = a;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
