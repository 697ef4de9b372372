/** The line simulator: deterministic for a seed, realistic shape, drives the real broker. */
import { describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { DEFAULT_SIM, simulatePlant, simUnits } from '../../src/sim/plant.js';
import { publishSimulation } from '../../src/sim/publish.js';
import { startTestGateway, REPO } from '../helpers/gateway.js';
import { HOLDGATE_BIN } from '../helpers/daemon.js';

const small = { ...DEFAULT_SIM, seed: 7, unitsPerLine: 30, lotSize: 10 };

function failures(
  msgs: { topic: string; payload: Record<string, unknown> }[],
  line: string,
  from: number,
  to: number,
) {
  const tested = msgs.filter(
    (m) =>
      m.topic.includes(`/${line}/tester/`) &&
      m.payload.MessageName === 'CFX.Production.TestAndInspection.UnitsTested',
  );
  const slice = tested.slice(Math.floor(tested.length * from), Math.floor(tested.length * to));
  const failed = slice.filter(
    (m) =>
      (m.payload.MessageBody as { TestedUnits: { OverallResult: string }[] }).TestedUnits[0]!
        .OverallResult === 'Failed',
  );
  return failed.length / slice.length;
}

describe('line simulator', () => {
  it('produces the same message sequence for the same seed, and another for another seed', () => {
    const a = [...simulatePlant(small)];
    const b = [...simulatePlant(small)];
    const c = [...simulatePlant({ ...small, seed: 8 })];
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('models two lines, AOI and tester per line, lots, and WorkStarted/WorkCompleted per station', () => {
    const msgs = [...simulatePlant(small)];
    const topics = new Set(msgs.map((m) => m.topic));
    expect([...topics].sort()).toEqual([
      'cfx/PLANT-1/L1/aoi/L1-AOI',
      'cfx/PLANT-1/L1/tester/L1-FCT',
      'cfx/PLANT-1/L2/aoi/L2-AOI',
      'cfx/PLANT-1/L2/tester/L2-FCT',
    ]);
    const names = msgs.map((m) => m.payload.MessageName as string);
    expect(names.filter((n) => n.endsWith('WorkStarted')).length).toBe(
      names.filter((n) => n.endsWith('WorkCompleted')).length,
    );
    const units = simUnits(small);
    expect(units).toHaveLength(60);
    expect(new Set(units.map((u) => u.lot)).size).toBe(6);
    expect(new Set(units.map((u) => u.serial)).size).toBe(60);
  });

  it('drifts one failure mode upward on one line', () => {
    const msgs = [
      ...simulatePlant({
        ...DEFAULT_SIM,
        seed: 3,
        unitsPerLine: 600,
        drift: { line: 'L2', code: 'CAP_LOW', from: 0.0, to: 0.3 },
      }),
    ];
    expect(failures(msgs, 'L2', 2 / 3, 1)).toBeGreaterThan(failures(msgs, 'L2', 0, 1 / 3) + 0.1);
    expect(failures(msgs, 'L1', 2 / 3, 1)).toBeLessThan(0.08);
  });

  it('publishes over MQTT to the gateway: the same sequence twice, every message stored', async () => {
    const gw = await startTestGateway();
    try {
      const watcher = await mqtt.connectAsync(gw.mqttUrl, { clientId: 'watcher' });
      const runs: string[][] = [[], []];
      let current = 0;
      watcher.on('message', (_topic, payload) => runs[current]!.push(payload.toString()));
      await watcher.subscribeAsync('cfx/#', { qos: 1 });
      const first = await publishSimulation(small, { url: gw.mqttUrl, rate: 0, window: 20 });
      await expect.poll(() => runs[0]!.length).toBe(first.messages);
      current = 1;
      await publishSimulation(small, { url: gw.mqttUrl, rate: 0, window: 20 });
      await expect.poll(() => runs[1]!.length).toBe(first.messages);
      await watcher.endAsync();
      expect(runs[1]).toEqual(runs[0]);
      const db = new Database(gw.dbPath, { readonly: true });
      // The second run repeats every UniqueID: stored once, acknowledged twice.
      expect(db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: first.messages });
      expect(db.prepare('SELECT count(*) AS n FROM dead_letters').get()).toEqual({ n: 0 });
      db.close();
    } finally {
      await gw.stop();
    }
  });

  it('`holdgate simulate --dry-run` prints the sequence as JSON lines', () => {
    const r = spawnSync(
      process.execPath,
      [HOLDGATE_BIN, 'simulate', '--dry-run', '--seed', '7', '--units', '30', '--lot-size', '10'],
      {
        cwd: REPO,
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([...simulatePlant(small)]);
  });
});
