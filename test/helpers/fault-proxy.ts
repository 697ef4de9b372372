/**
 * A fault-injecting HTTP proxy on loopback, between a sync worker and its receiver.
 * Each request takes the next fault from a script: pass, reset (connection dropped
 * before forwarding), 502, 429 with Retry-After, 401 (a session the server forgot), stall (held, then forwarded late —
 * as a slow server would), or lost (forwarded and applied, but the answer never comes back).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export type Fault = 'pass' | 'reset' | '502' | '429' | '401' | 'stall' | 'lost';

export async function startFaultProxy(upstream: string, script: Fault[], stallMs = 20_000) {
  const target = new URL(upstream);
  const seen: Fault[] = [];
  let n = 0;
  const timers = new Set<NodeJS.Timeout>();
  const forward = async (path: string, method: string, headers: Record<string, string>, body: string) => {
    const res = await request(`${target.origin}${path}`, { method: method as 'POST', headers, body });
    return { status: res.statusCode, body: await res.body.text() };
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const fault = script[n++] ?? 'pass';
      seen.push(fault);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      const path = req.url ?? '/';
      switch (fault) {
        case 'reset':
          req.socket.destroy();
          return;
        case '502':
          res.writeHead(502).end('bad gateway (injected)');
          return;
        case '429':
          res.writeHead(429, { 'retry-after': '1' }).end('slow down (injected)');
          return;
        case '401':
          res.writeHead(401).end('session expired (injected)');
          return;
        case 'stall': {
          // The client gives up first; the request still reaches the server, late.
          const t = setTimeout(() => {
            timers.delete(t);
            void forward(path, req.method ?? 'POST', headers, body).catch(() => undefined);
            res.destroy();
          }, stallMs);
          timers.add(t);
          return;
        }
        case 'lost':
          void forward(path, req.method ?? 'POST', headers, body).then(
            () => req.socket.destroy(),
            () => req.socket.destroy(),
          );
          return;
        case 'pass':
          void forward(path, req.method ?? 'POST', headers, body).then(
            (r) => res.writeHead(r.status).end(r.body),
            () => res.writeHead(502).end('upstream failed'),
          );
          return;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${target.pathname}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
