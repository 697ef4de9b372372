import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, PAGE_SIZE } from '../../../src/store/db.js';
import { LATEST_VERSION, MIGRATIONS } from '../../../src/store/migrations/index.js';
import { inTempDir } from '../../helpers/gateway.js';

describe('store', () => {
  it('migrates a new store, keeps its id across opens, and runs in WAL', () => {
    inTempDir((dir) => {
      const path = join(dir, 'a', 'b.db');
      const first = openStore({ path });
      expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
      expect(first.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(first.db.pragma('synchronous', { simple: true })).toBe(2);
      expect(first.db.pragma('page_size', { simple: true })).toBe(PAGE_SIZE);
      first.db.close();
      const second = openStore({ path });
      expect(second.applied).toEqual([]);
      expect(second.storeId).toBe(first.storeId);
      second.db.close();
    });
  });

  it("finds a lot's units through the partial lot index (units without a lot are not indexed)", () => {
    inTempDir((dir) => {
      const { db } = openStore({ path: join(dir, 'p.db') });
      const plan = (sql: string) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('LOT-1') as { detail: string }[])
          .map((r) => r.detail)
          .join('; ');
      expect(plan('SELECT serial FROM units WHERE lot_id = ? ORDER BY serial')).toMatch(
        /USING (COVERING )?INDEX units_lot/,
      );
      expect(plan('SELECT count(*) FROM units WHERE lot_id = ?')).toMatch(
        /USING (COVERING )?INDEX units_lot/,
      );
      db.prepare(
        "INSERT INTO units (serial, lot_id, created_at) VALUES ('S1', NULL, 't'), ('S2', 'LOT-1', 't')",
      ).run();
      expect(db.prepare('SELECT serial FROM units WHERE lot_id = ?').all('LOT-1')).toEqual([
        { serial: 'S2' },
      ]);
      db.close();
    });
  });

  it('migrates a store of an earlier schema and keeps its rows (decisions rebuilt by 009)', () => {
    inTempDir((dir) => {
      const path = join(dir, 'v7.db');
      const old = new Database(path);
      for (const m of MIGRATIONS.filter((m) => m.version <= 7)) old.exec(m.sql);
      old.pragma('user_version = 7');
      old.exec(
        "INSERT INTO decisions (event_seq, outcome, rule_id, rule_version, rule_set_hash, severity, hold_id, at) VALUES (1, 'HOLD', 'r', 1, 'h', 'MAJOR', 'H-000001', 't')",
      );
      old.close();
      const { db, applied } = openStore({ path });
      expect(applied).toEqual(MIGRATIONS.filter((m) => m.version > 7).map((m) => m.version));
      expect(db.prepare('SELECT event_seq, outcome, hold_id FROM decisions').all()).toEqual([
        { event_seq: 1, outcome: 'HOLD', hold_id: 'H-000001' },
      ]);
      db.prepare(
        "INSERT INTO decisions (event_seq, outcome, rule_id, hold_id, at) VALUES (2, 'ATTACHED', 'r', 'H-000001', 't')",
      ).run();
      expect(() =>
        db.prepare("INSERT INTO decisions (event_seq, outcome, at) VALUES (3, 'MAYBE', 't')").run(),
      ).toThrow(/CHECK/);
      db.close();
    });
  });

  it('keeps the page size of a store made with another one', () => {
    inTempDir((dir) => {
      const path = join(dir, 'old.db');
      const raw = new Database(path);
      raw.pragma('page_size = 4096');
      raw.exec('CREATE TABLE t (x)');
      raw.close();
      const { db } = openStore({ path });
      expect(db.pragma('page_size', { simple: true })).toBe(4096);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
    });
  });

  it('refuses a store written by a newer version and leaves it untouched', () => {
    inTempDir((dir) => {
      const path = join(dir, 'new.db');
      const raw = new Database(path);
      raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
      raw.close();
      expect(() => openStore({ path })).toThrow(/newer Holdgate/);
      const check = new Database(path);
      expect(check.pragma('user_version', { simple: true })).toBe(LATEST_VERSION + 5);
      expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({
        n: 0,
      });
      check.close();
    });
  });

  it('keeps the event log append-only', () => {
    inTempDir((dir) => {
      const { db } = openStore({ path: join(dir, 'e.db') });
      db.prepare(
        "INSERT INTO events (profile_id, source_event_id, device_id, transport, kind, result, occurred_at, received_at, body, raw) VALUES ('p','1','d','mqtt','WORK_STARTED','NONE','t','t','{}',x'00')",
      ).run();
      expect(() => db.exec("UPDATE events SET result = 'PASS'")).toThrow(/append-only/);
      expect(() => db.exec('DELETE FROM events')).toThrow(/append-only/);
      db.close();
    });
  });
});
