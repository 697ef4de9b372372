/**
 * A small simulated plant: two SMT lines, each with an AOI and a functional tester,
 * building serialised boards in lots. Every unit gets WorkStarted → result →
 * WorkCompleted at each station, as IPC-CFX over MQTT. Defects occur at realistic
 * base rates, and one failure mode drifts upward on one line (what SPC alerting and
 * containment must catch). Pure and deterministic: same options, same messages.
 */
import { Random } from './random.js';

export interface SimOptions {
  seed: number;
  /** Units per line. */
  unitsPerLine: number;
  lotSize: number;
  plant: string;
  /** Simulated clock start (ISO); each unit takes `cycleSeconds` per station. */
  start: string;
  cycleSeconds: number;
  aoiDefectRate: number;
  fctFailRate: number;
  /** The drifting failure: on `drift.line`, `drift.code` rises linearly from `from` to `to` over the run. */
  drift: { line: string; code: string; from: number; to: number };
}

export const DEFAULT_SIM: SimOptions = {
  seed: 1,
  unitsPerLine: 150,
  lotSize: 50,
  plant: 'PLANT-1',
  start: '2026-03-02T06:00:00Z',
  cycleSeconds: 30,
  aoiDefectRate: 0.02,
  fctFailRate: 0.015,
  drift: { line: 'L2', code: 'CAP_LOW', from: 0.01, to: 0.15 },
};

export interface LineSpec {
  line: string;
  item: string;
  family: string;
}

export const LINES: readonly LineSpec[] = [
  { line: 'L1', item: 'PCBA-7731', family: 'CTRL-BOARD' },
  { line: 'L2', item: 'PCBA-8810', family: 'POWER-BOARD' },
];

export interface SimMessage {
  topic: string;
  payload: Record<string, unknown>;
}

export interface SimUnit {
  serial: string;
  line: string;
  item: string;
  lot: string;
  workOrder: string;
}

const AOI_DEFECTS = [
  { code: 'BRIDGE', category: 'Solder', ref: 'U7.3', part: 'IC-SOIC8-01' },
  { code: 'INSUFFICIENT_SOLDER', category: 'Solder', ref: 'R12', part: 'RES-10K-0402' },
  { code: 'MISSING_COMPONENT', category: 'Placement', ref: 'C3', part: 'CAP-1U-0603' },
  { code: 'TOMBSTONE', category: 'Placement', ref: 'R4', part: 'RES-1K-0402' },
];
const FCT_SYMPTOMS = [
  { code: 'VOUT_HIGH', category: 'Electrical', ref: 'U2', part: 'REG-3V3-SOT23' },
  { code: 'SHORT', category: 'Electrical', ref: 'J1', part: 'CONN-8P' },
  { code: 'CAP_LOW', category: 'Electrical', ref: 'C14', part: 'CAP-100N-0402' },
];

/** The serials, lots and work orders the run builds (master data for imports and demos). */
export function simUnits(opts: SimOptions): SimUnit[] {
  const units: SimUnit[] = [];
  for (const spec of LINES) {
    for (let i = 0; i < opts.unitsPerLine; i++) {
      const lotNo = Math.floor(i / opts.lotSize) + 1;
      units.push({
        serial: `SN-${spec.item.slice(5)}-${spec.line}-${String(i + 1).padStart(5, '0')}`,
        line: spec.line,
        item: spec.item,
        lot: `LOT-${spec.line}-${String(opts.seed).padStart(4, '0')}-${String(lotNo).padStart(2, '0')}`,
        workOrder: `WO-${spec.line}-${String(opts.seed).padStart(4, '0')}-${String(lotNo).padStart(2, '0')}`,
      });
    }
  }
  return units;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/** Yields the whole run's messages in time order, both lines interleaved. */
export function* simulatePlant(opts: SimOptions): Generator<SimMessage> {
  const rnd = new Random(opts.seed);
  const units = simUnits(opts);
  const byLine = LINES.map((l) => units.filter((u) => u.line === l.line));
  const t0 = Date.parse(opts.start);
  const env = (name: string, at: number, body: Record<string, unknown>, source: string) => ({
    MessageName: name,
    Version: '2.1',
    TimeStamp: iso(at),
    UniqueID: rnd.uuid(),
    Source: source,
    Target: null,
    RequestID: null,
    MessageBody: body,
  });

  for (let i = 0; i < opts.unitsPerLine; i++) {
    const progress = opts.unitsPerLine > 1 ? i / (opts.unitsPerLine - 1) : 0;
    for (const lineUnits of byLine) {
      const u = lineUnits[i]!;
      const jitter = rnd.int(0, 4000);
      const base = t0 + i * opts.cycleSeconds * 1000 + jitter;
      const stations = [
        { kind: 'aoi', station: `${u.line}-AOI`, at: base },
        { kind: 'tester', station: `${u.line}-FCT`, at: base + opts.cycleSeconds * 1000 * 2 },
      ] as const;
      let diverted = false;
      for (const st of stations) {
        if (diverted) break;
        const topic = `cfx/${opts.plant}/${u.line}/${st.kind}/${st.station}`;
        const source = `Sim.${st.kind === 'aoi' ? 'AOI' : 'FCT'}.${st.station}`;
        const tx = rnd.uuid();
        const unitsPos = [{ UnitIdentifier: u.serial, PositionNumber: 1, PositionName: 'CIRCUIT1' }];
        yield {
          topic,
          payload: env(
            'CFX.Production.WorkStarted',
            st.at,
            {
              PrimaryIdentifier: u.serial,
              TransactionID: tx,
              Lane: 1,
              UnitCount: 1,
              Units: unitsPos,
              WorkOrderIdentifier: u.workOrder,
            },
            source,
          ),
        };
        let failed: boolean;
        if (st.kind === 'aoi') {
          failed = rnd.chance(opts.aoiDefectRate);
          const d = failed ? rnd.pick(AOI_DEFECTS) : undefined;
          yield {
            topic,
            payload: env(
              'CFX.Production.TestAndInspection.UnitsInspected',
              st.at + 12_000,
              {
                TransactionId: tx,
                InspectionMethod: 'AOI',
                Inspector: { OperatorIdentifier: null, ActorType: 'RemoteSystem' },
                RecipeName: `${u.item}-TOP`,
                RecipeRevision: '4',
                InspectedUnits: [
                  {
                    UnitIdentifier: u.serial,
                    UnitPositionNumber: 1,
                    OverallResult: failed ? 'Failed' : 'Passed',
                    Inspections: d
                      ? [
                          {
                            UniqueIdentifier: rnd.uuid(),
                            InspectionName: `${d.ref}_CHECK`,
                            Result: 'Failed',
                            DefectsFound: [
                              {
                                UniqueIdentifier: rnd.uuid(),
                                DefectCode: d.code,
                                DefectCategory: d.category,
                                ComponentOfInterest: { ReferenceDesignator: d.ref, PartNumber: d.part },
                                Priority: 1,
                                ConfidenceLevel: rnd.int(80, 99),
                              },
                            ],
                          },
                        ]
                      : [],
                  },
                ],
              },
              source,
            ),
          };
        } else {
          const driftRate =
            u.line === opts.drift.line ? opts.drift.from + (opts.drift.to - opts.drift.from) * progress : 0;
          const drifted = rnd.chance(driftRate);
          failed = drifted || rnd.chance(opts.fctFailRate);
          const s = drifted
            ? FCT_SYMPTOMS.find((x) => x.code === opts.drift.code)!
            : failed
              ? rnd.pick(FCT_SYMPTOMS)
              : undefined;
          const value = s?.code === 'CAP_LOW' ? 60 + rnd.int(0, 250) / 10 : 95 + rnd.int(0, 100) / 10;
          yield {
            topic,
            payload: env(
              'CFX.Production.TestAndInspection.UnitsTested',
              st.at + 20_000,
              {
                TransactionId: tx,
                TestMethod: 'FCT',
                Tester: { OperatorIdentifier: null, ActorType: 'RemoteSystem' },
                RecipeName: `${u.item}-FCT`,
                RecipeRevision: 'C',
                TestedUnits: [
                  {
                    UnitIdentifier: u.serial,
                    UnitPositionNumber: 1,
                    OverallResult: failed ? 'Failed' : 'Passed',
                    Tests: [
                      {
                        UniqueIdentifier: rnd.uuid(),
                        TestName: 'FUNCTIONAL',
                        Result: failed ? 'Failed' : 'Passed',
                        SymptomsFound: s
                          ? [
                              {
                                UniqueIdentifier: rnd.uuid(),
                                SymptomCode: s.code,
                                SymptomCategory: s.category,
                                Status: 'NewlyDiscovered',
                                ComponentsOfInterest: [{ ReferenceDesignator: s.ref, PartNumber: s.part }],
                                Priority: 1,
                              },
                            ]
                          : [],
                        DefectsFound: [],
                        Measurements: [
                          {
                            $type: 'CFX.Structures.NumericMeasurement, CFX',
                            MeasurementName: 'C14_CAP',
                            Result: s?.code === 'CAP_LOW' ? 'Failed' : 'Passed',
                            MeasuredValue: {
                              Value: value,
                              ValueUnits: 'nF',
                              ExpectedValue: 100,
                              MinimumAcceptableValue: 90,
                              MaximumAcceptableValue: 110,
                            },
                          },
                        ],
                      },
                    ],
                  },
                ],
              },
              source,
            ),
          };
        }
        yield {
          topic,
          payload: env(
            'CFX.Production.WorkCompleted',
            st.at + 25_000,
            {
              TransactionID: tx,
              Result: failed ? 'Failed' : 'Completed',
              PrimaryIdentifier: u.serial,
              UnitCount: 1,
              Units: [{ UnitIdentifier: u.serial, PositionNumber: 1, Status: failed ? 'Fail' : 'Pass' }],
            },
            source,
          ),
        };
        // A unit AOI rejects goes to repair, not on to the tester.
        diverted = failed && st.kind === 'aoi';
      }
    }
  }
}
