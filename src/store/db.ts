/**
 * Opens the SQLite store: WAL, the configured synchronous level, migrations, and the
 * store id (random, made once per store, renewed by a restore) that outbox keys use.
 */
import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MIGRATIONS, LATEST_VERSION } from './migrations/index.js';
import { ErrorCode, HoldgateError } from '../errors.js';

export type Db = Database.Database;

/** Page size of new stores (bytes). */
export const PAGE_SIZE = 8192;

export interface OpenStoreOptions {
  path: string;
  synchronous?: 'full' | 'normal';
  readonly?: boolean;
}

export interface StoreInfo {
  db: Db;
  storeId: string;
  schemaVersion: number;
  /** Migrations applied by this open (empty when the store was current). */
  applied: number[];
}

function migrate(db: Db): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > LATEST_VERSION)
    throw new HoldgateError(
      ErrorCode.STORE_TOO_NEW,
      `the store was written by a newer Holdgate (schema ${current}, this release knows ${LATEST_VERSION}); ` +
        'upgrade Holdgate or restore a backup made by this version — the store was not touched',
    );
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}

export function openStore(opts: OpenStoreOptions): StoreInfo {
  if (!opts.readonly) mkdirSync(dirname(opts.path), { recursive: true });
  const db = openDatabase(opts.path, {
    readonly: opts.readonly ?? false,
    fileMustExist: opts.readonly ?? false,
  });
  try {
    if (!opts.readonly) {
      // A new store gets 8 KiB pages: an event row (raw payload + canonical body, ~1.3–1.6 KB)
      // left half of every 4 KiB page empty, and the WAL writes whole pages. Measured on the
      // ingest bench: +7–11 % messages/s; 16 KiB pages were slower (index pages rewritten
      // per commit grow too). An existing store keeps its page size (WAL cannot change it).
      if ((db.pragma('page_count', { simple: true }) as number) === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    }
    // 64 MiB of page cache keeps the unit and hold indexes of a busy line in memory.
    db.pragma('cache_size = -65536');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const applied = opts.readonly ? [] : migrate(db);
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    let storeId = (
      db.prepare("SELECT value FROM store_meta WHERE key = 'store_id'").get() as { value: string } | undefined
    )?.value;
    if (!storeId && !opts.readonly) {
      storeId = randomUUID();
      db.prepare("INSERT INTO store_meta (key, value) VALUES ('store_id', ?), ('created_at', ?)").run(
        storeId,
        new Date().toISOString(),
      );
    }
    return { db, storeId: storeId ?? 'unknown', schemaVersion, applied };
  } catch (err) {
    db.close();
    throw err;
  }
}
