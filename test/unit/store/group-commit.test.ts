/** The one write path: batching, per-job isolation, commit failure, ordering of acks after commit. */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type Db } from '../../../src/store/db.js';
import { GroupCommitWriter, type BatchStats } from '../../../src/store/group-commit.js';
import { tempDir } from '../../helpers/gateway.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function setup(maxBatch = 1000) {
  const tmp = tempDir();
  const { db } = openStore({ path: join(tmp.dir, 's.db') });
  db.exec('CREATE TABLE t (v INTEGER UNIQUE)');
  const batches: BatchStats[] = [];
  const writer = new GroupCommitWriter({ db, windowMs: 0, maxBatch, onBatch: (s) => batches.push(s) });
  cleanups.push(() => {
    db.close();
    tmp.cleanup();
  });
  return { db, writer, batches, path: join(tmp.dir, 's.db') };
}

const insert = (v: number) => (db: Db) => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes;

describe('GroupCommitWriter', () => {
  it('commits jobs submitted in one turn as one transaction, visible to other connections when they settle', async () => {
    const { writer, batches, path } = setup();
    const reader = new Database(path, { readonly: true });
    const seen = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        writer
          .submit(insert(i))
          .then(() => (reader.prepare('SELECT count(*) AS n FROM t WHERE v = ?').get(i) as { n: number }).n),
      ),
    );
    reader.close();
    expect(seen).toEqual(Array(50).fill(1));
    expect(batches).toEqual([expect.objectContaining({ size: 50, failed: 0 })]);
  });

  it('rolls back a failing job alone; the rest of its batch commits', async () => {
    const { db, writer } = setup();
    const results = await Promise.allSettled([
      writer.submit(insert(1)),
      writer.submit(insert(1)),
      writer.submit(insert(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.prepare('SELECT v FROM t ORDER BY v').all()).toEqual([{ v: 1 }, { v: 2 }]);
  });

  it('rejects every job of a batch whose commit fails, and nothing is stored', async () => {
    const { db, writer } = setup();
    // A deferred foreign-key violation only fails at COMMIT: the whole batch must be refused.
    db.exec(
      'PRAGMA foreign_keys = ON; CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)',
    );
    const results = await Promise.allSettled([
      writer.submit(insert(10)),
      writer.submit((d) => d.prepare('INSERT INTO c (p) VALUES (99)').run()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'HG_STORE_COMMIT_FAILED' });
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
  });

  it('splits a large queue into batches of max_batch and drains on close', async () => {
    const { db, writer, batches } = setup(100);
    const all = Array.from({ length: 250 }, (_, i) => writer.submit(insert(i)));
    await writer.close();
    await Promise.all(all);
    expect(batches.map((b) => b.size)).toEqual([100, 100, 50]);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 250 });
    await expect(writer.submit(insert(999))).rejects.toMatchObject({ code: 'HG_STORE_CLOSED' });
  });
  it('lets lazy work wait for company: it rides with the next commit, or commits alone within lazyMs', async () => {
    const { writer, batches } = setup();
    // Lazy jobs spread over time: one commit for all of them, not one each.
    const lazy = [writer.submit(insert(1), { lazy: true })];
    await new Promise((r) => setTimeout(r, 20));
    lazy.push(writer.submit(insert(2), { lazy: true }));
    await Promise.all(lazy);
    expect(batches).toEqual([expect.objectContaining({ size: 2, failed: 0 })]);
    // Work someone waits for takes the lazy job along at once.
    const waiting = writer.submit(insert(3), { lazy: true });
    await writer.submit(insert(4));
    await waiting;
    expect(batches.slice(1)).toEqual([expect.objectContaining({ size: 2, failed: 0 })]);
  });
});
