/**
 * Store operations for plant IT: backup (online, while the daemon runs), restore (only
 * while it is stopped; renews the store id), migrate (status: ./status.ts). Exit codes:
 * 0 ok, 1 failed or refused, 2 config/usage.
 */
import {
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { loadConfig, type LoadConfigOptions } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { openStore } from '../store/db.js';
import { openDatabase } from '../store/sqlite.js';
import { LATEST_VERSION } from '../store/migrations/index.js';
import { createRepos } from '../containment/repos.js';
import { storeOwner } from '../ops/store-lock.js';
import { printConfigError } from './output.js';

export function config(opts: LoadConfigOptions): Config | number {
  try {
    return loadConfig(opts);
  } catch (err) {
    return printConfigError(err, opts.file);
  }
}

/** Is this a Holdgate store this release can use, and intact? Returns a problem, or null. */
function checkStoreFile(path: string): string | null {
  let db;
  try {
    db = openDatabase(path, { readonly: true, fileMustExist: true });
    const ok = db.pragma('quick_check', { simple: true });
    if (ok !== 'ok') return `integrity check failed: ${String(ok)}`;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_VERSION)
      return `written by a newer Holdgate (schema ${version}; this release knows ${LATEST_VERSION})`;
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'store_meta'").get())
      return 'not a Holdgate store (no store_meta table)';
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    db?.close();
  }
}

/** Names of rotated backups: `holdgate-20261204T205500Z.db` sorts by time. */
export const ROTATED = /^holdgate-\d{8}T\d{6}Z(-\d+)?\.db$/;
const PARTIAL = /^holdgate-.*\.db\.partial$/;

export interface BackupRotation {
  /** Write `holdgate-<UTC time>.db` into this folder instead of a named file. */
  dir?: string;
  /** With `dir`: how many backups to keep (the oldest go). */
  keep?: string;
}

/**
 * `VACUUM INTO` rather than the page-by-page backup API: it copies one consistent read
 * snapshot in a single pass, never blocks the daemon's writers (WAL), and does not restart
 * — the backup API starts over whenever another connection writes, which under steady
 * ingest can mean never finishing. The copy is written under a `.partial` name and renamed
 * once checked, so an interrupted backup never looks like a good one.
 */
export function backupCommand(
  opts: LoadConfigOptions,
  file: string | undefined,
  rotation: BackupRotation = {},
): number {
  const keep = rotation.keep === undefined ? 7 : Number(rotation.keep);
  if ((!file && !rotation.dir) || (file && rotation.dir) || !Number.isInteger(keep) || keep < 1) {
    console.error('usage: holdgate backup FILE | --dir DIR [--keep N (≥ 1, default 7)] [--config FILE]');
    return 2;
  }
  const c = config(opts);
  if (typeof c === 'number') return c;
  if (rotation.dir) mkdirSync(rotation.dir, { recursive: true, mode: 0o750 });
  const target = file ?? join(rotation.dir!, rotatedName(rotation.dir!));
  if (existsSync(target)) {
    console.error(`refusing to overwrite ${target}: choose a new file name`);
    return 1;
  }
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const started = Date.now();
  const { db } = openStore({ path: c.store.path, readonly: true });
  try {
    db.prepare('VACUUM INTO ?').run(partial);
  } finally {
    db.close();
  }
  const problem = checkStoreFile(partial);
  if (problem) {
    console.error(`backup ${partial} is not usable (kept for inspection): ${problem}`);
    return 1;
  }
  renameSync(partial, target);
  console.log(
    `backup written: ${target} (${statSync(target).size} bytes, ${Date.now() - started} ms) from ${c.store.path}`,
  );
  if (rotation.dir) {
    const old = readdirSync(rotation.dir)
      .filter((n) => ROTATED.test(n))
      .sort((a, b) => rotationOrder(a).localeCompare(rotationOrder(b)))
      .slice(0, -keep);
    // Leftovers of interrupted runs go too; this run's own partial was renamed above.
    const stale = readdirSync(rotation.dir).filter((n) => PARTIAL.test(n));
    for (const n of [...old, ...stale]) rmSync(join(rotation.dir, n), { force: true });
    if (old.length > 0) console.log(`removed ${old.length} older backup(s), keeping the newest ${keep}`);
  }
  return 0;
}

/** Sorts `holdgate-<stamp>-<n>.db` after `holdgate-<stamp>.db` (made in the same second, later). */
export function rotationOrder(name: string): string {
  const [, stamp, n] = /^holdgate-(\d{8}T\d{6}Z)(?:-(\d+))?\.db$/.exec(name)!;
  return `${stamp}.${(n ?? '0').padStart(6, '0')}`;
}

function rotatedName(dir: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let name = `holdgate-${stamp}.db`;
  for (let n = 1; existsSync(join(dir, name)); n++) name = `holdgate-${stamp}-${n}.db`;
  return name;
}

export function restoreCommand(opts: LoadConfigOptions, file: string | undefined): number {
  if (!file) {
    console.error('usage: holdgate restore FILE [--config FILE]');
    return 2;
  }
  const c = config(opts);
  if (typeof c === 'number') return c;
  const store = c.store.path;
  const owner = storeOwner(store);
  if (owner !== undefined) {
    console.error(`refusing to restore: Holdgate (pid ${owner}) is running on ${store}; stop it first`);
    return 1;
  }
  const problem = checkStoreFile(file);
  if (problem) {
    console.error(`refusing to restore ${file}: ${problem}`);
    return 1;
  }
  // Copy beside the store, then swap: a crash leaves either the old store or the new one.
  mkdirSync(dirname(store), { recursive: true });
  // Run as root, the copy must still belong to the service's user (as the store it replaces did).
  const fileOwner = statSync(existsSync(store) ? store : dirname(store));
  const tmp = `${store}.restore-${process.pid}`;
  copyFileSync(file, tmp);
  if (process.getuid?.() === 0) chownSync(tmp, fileOwner.uid, fileOwner.gid);
  // The old store's WAL would be replayed into the restored file: it must go with it.
  for (const ext of ['-wal', '-shm']) rmSync(`${store}${ext}`, { force: true });
  renameSync(tmp, store);
  const { db, storeId: previous } = openStore({ path: store, synchronous: c.store.synchronous });
  try {
    // A new store id: outbox keys made from now on can never repeat keys the ERP already saw.
    const storeId = randomUUID();
    const at = new Date().toISOString();
    db.transaction(() => {
      db.prepare("UPDATE store_meta SET value = ? WHERE key = 'store_id'").run(storeId);
      db.prepare(
        "INSERT INTO store_meta (key, value) VALUES ('restored_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ).run(at);
      createRepos(db, c.gateway.id, storeId).audit.append({
        at,
        actor: { type: 'service', id: 'holdgate-restore' },
        source: 'cli',
        action: 'STORE_RESTORED',
        entityType: 'store',
        entityId: storeId,
        before: { storeId: previous },
        after: { storeId, from: file },
      });
    })();
    console.log(`restored ${file} into ${store}; new store id ${storeId} (was ${previous})`);
    return 0;
  } finally {
    db.close();
  }
}

export function migrateCommand(opts: LoadConfigOptions): number {
  const c = config(opts);
  if (typeof c === 'number') return c;
  const owner = storeOwner(c.store.path);
  if (owner !== undefined) {
    console.error(
      `refusing to migrate: Holdgate (pid ${owner}) is running on ${c.store.path}; stop it first`,
    );
    return 1;
  }
  const { db, schemaVersion, applied } = openStore({ path: c.store.path, synchronous: c.store.synchronous });
  db.close();
  console.log(
    applied.length > 0
      ? `migrated ${c.store.path} to schema ${schemaVersion} (applied ${applied.join(', ')})`
      : `${c.store.path} is current (schema ${schemaVersion})`,
  );
  return 0;
}
