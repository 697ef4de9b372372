/**
 * `holdgate simulate`: publishes the simulated plant (two lines, AOI + tester each)
 * to a broker as IPC-CFX. Deterministic for a seed; see src/sim/plant.ts.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SIM, type SimOptions } from '../sim/plant.js';
import { publishSimulation } from '../sim/publish.js';

export const SIMULATE_USAGE = `holdgate simulate [--url mqtt://127.0.0.1:1883] [--seed N] [--units N] [--lot-size N]
                  [--rate MSGS_PER_S] [--aoi-defect-rate P] [--fct-fail-rate P]
                  [--drift-line L2] [--drift-to P] [--username U --password P] [--dry-run]`;

export function simOptionsFromArgs(values: Record<string, string | boolean | undefined>): SimOptions {
  const num = (key: string, fallback: number) => {
    const v = values[key];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new Error(`--${key}: '${String(v)}' is not a non-negative number`);
    return n;
  };
  return {
    ...DEFAULT_SIM,
    seed: num('seed', DEFAULT_SIM.seed),
    unitsPerLine: num('units', DEFAULT_SIM.unitsPerLine),
    lotSize: Math.max(1, num('lot-size', DEFAULT_SIM.lotSize)),
    aoiDefectRate: num('aoi-defect-rate', DEFAULT_SIM.aoiDefectRate),
    fctFailRate: num('fct-fail-rate', DEFAULT_SIM.fctFailRate),
    drift: {
      ...DEFAULT_SIM.drift,
      line: typeof values['drift-line'] === 'string' ? values['drift-line'] : DEFAULT_SIM.drift.line,
      to: num('drift-to', DEFAULT_SIM.drift.to),
    },
  };
}

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      seed: { type: 'string' },
      units: { type: 'string' },
      'lot-size': { type: 'string' },
      rate: { type: 'string', default: '0' },
      'aoi-defect-rate': { type: 'string' },
      'fct-fail-rate': { type: 'string' },
      'drift-line': { type: 'string' },
      'drift-to': { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  let sim: SimOptions;
  try {
    sim = simOptionsFromArgs(values);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${SIMULATE_USAGE}`);
    return 2;
  }
  if (values['dry-run']) {
    const { simulatePlant } = await import('../sim/plant.js');
    for (const m of simulatePlant(sim)) console.log(JSON.stringify(m));
    return 0;
  }
  const summary = await publishSimulation(sim, {
    url: values.url,
    username: values.username,
    password: values.password,
    rate: Number(values.rate),
    window: 100,
  });
  console.log(
    `published ${summary.messages} CFX messages in ${summary.seconds.toFixed(1)} s (seed ${sim.seed}); failed units by line/station: ${JSON.stringify(summary.failedUnits)}`,
  );
  return 0;
}
