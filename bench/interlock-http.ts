/**
 * Interlock over HTTP on loopback: a demo daemon with imported material and holds,
 * and an open-loop load process asking at a fixed 2,000 requests/s; the healthz route
 * under the same load is the baseline (HTTP stack without the interlock).
 */
import { HOLDGATE_BIN, signal, spawnDaemon, writeDaemonConfig } from '../test/helpers/daemon.js';
import { tempDir } from '../test/helpers/gateway.js';
import { spawnScript } from './procs.js';

export const HTTP_LOAD = { rate: 2000, seconds: 10, serials: 5000 };

interface LoadResult {
  total: number;
  errors: number;
  achievedRate: number;
  p50: number;
  p99: number;
  max: number;
}

async function post(base: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

export async function interlockHttpBench(): Promise<{ interlock: LoadResult; baseline: LoadResult }> {
  const tmp = tempDir('holdgate-bench-http-');
  const daemon = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', writeDaemonConfig(tmp.dir)]);
  try {
    const { httpPort } = await daemon.ready;
    const base = `http://127.0.0.1:${httpPort}`;
    const lots = 50;
    await post(base, '/api/v1/imports/items', [{ part_number: 'PCBA-1', family: 'F' }]);
    await post(
      base,
      '/api/v1/imports/lots',
      Array.from({ length: lots }, (_, l) => ({
        lot_id: `LOT-${l}`,
        item: 'PCBA-1',
        quantity: HTTP_LOAD.serials / lots,
      })),
    );
    await post(
      base,
      '/api/v1/imports/serials',
      Array.from({ length: HTTP_LOAD.serials }, (_, i) => ({
        serial: `SN-${i}`,
        item: 'PCBA-1',
        lot_id: `LOT-${i % lots}`,
      })),
    );
    for (let l = 0; l < lots; l += 5)
      await post(base, '/api/v1/holds', { type: 'QUALITY', reason: 'bench', lots: [`LOT-${l}`] });
    const run = async (path: string) => {
      const p = spawnScript('http-load.ts', [
        base,
        String(HTTP_LOAD.rate),
        String(HTTP_LOAD.seconds),
        path,
        String(HTTP_LOAD.serials),
      ]);
      const line = await p.line((l) => l.startsWith('{'), 120_000);
      await p.stop();
      return JSON.parse(line) as LoadResult;
    };
    const baseline = await run('/healthz');
    const interlock = await run('/api/v1/interlocks/ship?serial=SN-{i}');
    return { interlock, baseline };
  } finally {
    signal(daemon, 'SIGTERM');
    await daemon.exited;
    tmp.cleanup();
  }
}
