/**
 * `holdgate status`: one look for plant IT — running and ready, the store and its disk,
 * holds and ERP conflicts, sync queues, recent devices, and the backups beside the store
 * (where the shipped timer writes them). Exit codes a script can use: 0 ready, 1 not
 * ready, 3 not running, 2 configuration.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request } from 'undici';
import type { LoadConfigOptions } from '../config/load.js';
import { openStore } from '../store/db.js';
import { freeDiskBytes, storeFileBytes } from '../store/files.js';
import { storeOwner } from '../ops/store-lock.js';
import { ACTIVE_LINE_STATES } from '../holds/types.js';
import { config, ROTATED, rotationOrder } from './store-ops.js';

const ACTIVE = ACTIVE_LINE_STATES.map((s) => `'${s}'`).join(',');
/** A daily timer that has not written for this long is worth a look. */
const STALE_HOURS = 36;

interface Backups {
  dir: string;
  count: number;
  newest: string | null;
  ageHours: number;
}

/** The rotated backups in `<store folder>/backups`, or null when there is no such folder. */
function backupsBeside(store: string): Backups | null {
  const dir = join(dirname(store), 'backups');
  if (!existsSync(dir)) return null;
  const names = readdirSync(dir)
    .filter((n) => ROTATED.test(n))
    .sort((a, b) => rotationOrder(a).localeCompare(rotationOrder(b)));
  const newest = names.at(-1) ?? null;
  const ageHours = newest ? Math.round((Date.now() - statSync(join(dir, newest)).mtimeMs) / 36e5) : 0;
  return { dir, count: names.length, newest, ageHours };
}

async function getJson(url: string): Promise<{ status: number; body: unknown } | null> {
  try {
    const res = await request(url, { headersTimeout: 3000, bodyTimeout: 3000 });
    return { status: res.statusCode, body: await res.body.json() };
  } catch {
    return null;
  }
}

export async function statusCommand(opts: LoadConfigOptions, json: boolean): Promise<number> {
  const c = config(opts);
  if (typeof c === 'number') return c;
  const store = c.store.path;
  const pid = storeOwner(store);
  const host = c.http.host === '0.0.0.0' || c.http.host === '::' ? '127.0.0.1' : c.http.host;
  const base = c.http.port > 0 ? `http://${host}:${c.http.port}` : null;
  const health = pid && base ? await getJson(`${base}/healthz`) : null;
  const ready = pid && base ? await getJson(`${base}/readyz`) : null;
  const files = storeFileBytes(store);
  const report: Record<string, unknown> = {
    running: pid !== undefined,
    pid: pid ?? null,
    ready: ready?.status === 200,
    health: health?.body ?? null,
    checks: (ready?.body as { checks?: unknown } | undefined)?.checks ?? null,
    store: {
      path: store,
      bytes: files.db,
      walBytes: files.wal,
      freeDiskBytes: freeDiskBytes(store),
    },
  };
  if (existsSync(store)) {
    const { db, storeId, schemaVersion } = openStore({ path: store, readonly: true });
    try {
      Object.assign(report.store as object, { storeId, schema: schemaVersion });
      report.queue = db
        .prepare(
          `SELECT target, sum(state = 'QUEUED') AS queued, sum(state = 'DEAD') AS exceptions
           FROM sync_deliveries WHERE state IN ('QUEUED', 'DEAD') GROUP BY target`,
        )
        .all();
      // Devices among the last 10,000 events: a primary-key range, cheap on any store size.
      report.holds = db
        .prepare(
          `SELECT (SELECT count(*) FROM holds WHERE state = 'ACTIVE') AS active,
             (SELECT count(*) FROM hold_lines WHERE state IN (${ACTIVE})) AS activeLines,
             (SELECT count(*) FROM erp_conflicts WHERE state = 'OPEN') AS openErpConflicts`,
        )
        .get();
      report.devices = db
        .prepare(
          `SELECT device_id AS device, profile_id AS profile, count(*) AS events, max(received_at) AS lastSeen
           FROM events WHERE seq > (SELECT coalesce(max(seq), 0) - 10000 FROM events)
           GROUP BY device_id, profile_id ORDER BY lastSeen DESC`,
        )
        .all();
    } finally {
      db.close();
    }
  }
  report.backups = backupsBeside(store);
  if (json) console.log(JSON.stringify(report));
  else {
    const s = report.store as {
      path: string;
      bytes: number;
      walBytes: number;
      freeDiskBytes: number;
      schema?: number;
    };
    const h = report.health as { uptimeSeconds?: number; version?: string } | null;
    console.log(
      pid === undefined
        ? 'Holdgate is not running'
        : `Holdgate ${h?.version ?? '?'} running (pid ${pid}), ${report.ready ? 'ready' : 'NOT ready'}, up ${h?.uptimeSeconds ?? '?'} s`,
    );
    console.log(
      `store ${s.path}: ${s.bytes} bytes + WAL ${s.walBytes} bytes, schema ${s.schema ?? '-'}, ${Math.round(s.freeDiskBytes / 2 ** 20)} MB free on its disk`,
    );
    const holds = report.holds as
      { active: number; activeLines: number; openErpConflicts: number } | undefined;
    if (holds)
      console.log(
        `holds: ${holds.active} active (${holds.activeLines} lines), ${holds.openErpConflicts} open ERP conflicts`,
      );
    const b = report.backups as Backups | null;
    if (b)
      console.log(
        b.newest
          ? `backups: ${b.count} in ${b.dir}, newest ${b.newest} (${b.ageHours} h old${b.ageHours > STALE_HOURS ? ': is holdgate-backup.timer running?' : ''})`
          : `backups: none in ${b.dir}`,
      );
    for (const q of (report.queue as { target: string; queued: number; exceptions: number }[] | undefined) ??
      [])
      console.log(`sync ${q.target}: ${q.queued} queued, ${q.exceptions} exceptions`);
    for (const d of (report.devices as
      { device: string; profile: string; events: number; lastSeen: string }[] | undefined) ?? [])
      console.log(`device ${d.device} (${d.profile}): ${d.events} recent events, last ${d.lastSeen}`);
  }
  if (pid === undefined) return 3;
  return report.ready ? 0 : 1;
}
