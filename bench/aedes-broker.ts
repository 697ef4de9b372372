/**
 * The baseline: a bare aedes broker in its own process, no storage, default hooks.
 * Prints its port on stdout.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

const aedes = await Aedes.createBroker();
const server = createServer((s) => aedes.handle(s));
server.listen(0, '127.0.0.1', () =>
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })),
);
process.on('SIGTERM', () => aedes.close(() => server.close(() => process.exit(0))));
