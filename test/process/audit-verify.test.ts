/** `holdgate audit verify` finds a tampered row and names it. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestGateway, REPO } from '../helpers/gateway.js';
import { HOLDGATE_BIN } from '../helpers/daemon.js';
import { seedPlant, at, holdLot } from '../helpers/plant.js';
import { voidHold } from '../../src/containment/commands.js';

const verify = (store: string) =>
  spawnSync(process.execPath, [HOLDGATE_BIN, 'audit', 'verify', '--store', store], {
    cwd: REPO,
    encoding: 'utf8',
  });

describe('holdgate audit verify', () => {
  it('passes an intact chain and names the first tampered entry', async () => {
    const gw = await startTestGateway();
    const actor = { type: 'user' as const, id: 'qe.bo' };
    await gw.gateway.command(seedPlant);
    for (const lot of ['L1-A', 'L1-B', 'L2-A']) {
      const { holdId } = await gw.gateway.command((r) => holdLot(r, lot, { at: at(1), actor }));
      if (lot === 'L1-B')
        await gw.gateway.command((r) => voidHold(r, holdId, 'wrong lot', actor, 'test', at(2)));
    }
    const store = gw.dbPath;
    await gw.gateway.stop();
    try {
      const ok = verify(store);
      expect(ok.status).toBe(0);
      // Rule set load + 3 holds placed + 1 void.
      expect(ok.stdout).toMatch(/audit chain intact: 5 entries/);

      const db = new Database(store);
      db.prepare("UPDATE audit_log SET reason = 'check nothing' WHERE seq = 3").run();
      db.close();
      const bad = verify(store);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/audit chain BROKEN at entry 3: content does not match its hash/);

      const db2 = new Database(store);
      db2.prepare("UPDATE audit_log SET reason = 'check L1-B' WHERE seq = 3").run();
      db2.prepare('DELETE FROM audit_log WHERE seq = 4').run();
      db2.close();
      const gap = verify(store);
      expect(gap.status).toBe(1);
      expect(gap.stderr).toMatch(/BROKEN at entry 5: entry 4 is missing/);
    } finally {
      await gw.stop();
      spawnSync('rm', ['-rf', join(store, '..')]);
    }
  });
});
