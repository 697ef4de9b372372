/** Bench receiver in its own process: accepts every POST with 204 and counts rows; prints its port. */
import { createServer as http } from 'node:http';
import type { AddressInfo } from 'node:net';

let rows = 0;
const server = http((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    rows += body.startsWith('[') ? (JSON.parse(body) as unknown[]).length : 1;
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () =>
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })),
);
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ rows }));
  server.close(() => process.exit(0));
});
