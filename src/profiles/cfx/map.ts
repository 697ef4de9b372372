/**
 * IPC-CFX envelope → canonical QualityEvent. Pure: the caller passes the profile id and
 * the context (plant/line/station) resolved from the topic.
 */
import type { z } from 'zod';
import * as S from './schema.js';
import type {
  EventContext,
  EventKind,
  Finding,
  QualityEvent,
  Result,
  UnitOutcome,
} from '../../holds/quality-event.js';
import { worstResult } from '../../holds/quality-event.js';

type Body<T extends z.ZodType> = z.output<T>;

interface MessageSpec {
  kind: EventKind;
  schema: z.ZodType;
  map: (body: never) => Partial<QualityEvent> & { units: UnitOutcome[] };
}

const TEST_RESULT: Record<z.output<typeof S.TestResult>, Result> = {
  Passed: 'PASS',
  Failed: 'FAIL',
  Error: 'ERROR',
  Aborted: 'ABORTED',
  Skipped: 'SKIPPED',
};
const REPAIR_RESULT: Record<z.output<typeof S.RepairResult>, Result> = {
  RepairSuccessful: 'REPAIRED',
  UnableToRepair: 'NOT_REPAIRED',
  Scrap: 'SCRAP',
  Error: 'ERROR',
  Aborted: 'ABORTED',
};
const WORK_RESULT: Record<z.output<typeof S.WorkResult>, Result> = {
  Completed: 'PASS',
  Failed: 'FAIL',
  Aborted: 'ABORTED',
  Skipped: 'SKIPPED',
};
const UNIT_STATUS: Record<z.output<typeof S.UnitStatus>, Result> = {
  Pass: 'PASS',
  Fail: 'FAIL',
  Scrap: 'SCRAP',
  Skip: 'SKIPPED',
};

function opt<T>(v: T | null | undefined): T | undefined {
  return v ?? undefined;
}

function defectFinding(d: Body<typeof S.Defect>): Finding {
  return {
    type: 'DEFECT',
    code: d.DefectCode ?? d.DefectCategory ?? 'UNSPECIFIED',
    category: opt(d.DefectCategory),
    description: opt(d.Description),
    component: opt(d.ComponentOfInterest?.ReferenceDesignator),
    partNumber: opt(d.ComponentOfInterest?.PartNumber),
    priority: opt(d.Priority),
    sourceId: opt(d.UniqueIdentifier),
  };
}

function symptomFinding(s: Body<typeof S.Symptom>): Finding {
  const first = s.ComponentsOfInterest?.[0];
  return {
    type: 'SYMPTOM',
    code: s.SymptomCode ?? s.SymptomCategory ?? 'UNSPECIFIED',
    category: opt(s.SymptomCategory),
    description: opt(s.Description),
    component: opt(first?.ReferenceDesignator),
    partNumber: opt(first?.PartNumber),
    priority: opt(s.Priority),
    sourceId: opt(s.UniqueIdentifier),
  };
}

function transactionOf(b: {
  TransactionId?: string | null;
  TransactionID?: string | null;
}): string | undefined {
  return opt(b.TransactionId ?? b.TransactionID);
}

function positions(
  units: Body<typeof S.WorkStarted>['Units'],
  primary: string | null | undefined,
  fallback: Result,
): UnitOutcome[] {
  const list = (units ?? []).map((u) => ({
    serial: u.UnitIdentifier,
    position: opt(u.PositionNumber),
    result: u.Status ? UNIT_STATUS[u.Status] : fallback,
    findings: [],
  }));
  if (list.length === 0 && primary)
    list.push({ serial: primary, position: undefined, result: fallback, findings: [] });
  return list;
}

const operatorId = (
  o: { OperatorIdentifier?: string | null; LoginName?: string | null } | null | undefined,
) => opt(o?.OperatorIdentifier ?? o?.LoginName);

/** The messages Holdgate reads, by full CFX name. */
export const CFX_MESSAGES: Record<string, MessageSpec> = {
  'CFX.Production.TestAndInspection.UnitsTested': {
    kind: 'UNITS_TESTED',
    schema: S.UnitsTested,
    map: (b: Body<typeof S.UnitsTested>) => ({
      transactionId: transactionOf(b),
      operator: operatorId(b.Tester),
      units: b.TestedUnits.map((u) => ({
        serial: u.UnitIdentifier,
        position: opt(u.UnitPositionNumber),
        result: TEST_RESULT[u.OverallResult],
        findings: (u.Tests ?? []).flatMap((t) => [
          ...(t.DefectsFound ?? []).map(defectFinding),
          ...(t.SymptomsFound ?? []).map(symptomFinding),
        ]),
      })),
    }),
  },
  'CFX.Production.TestAndInspection.UnitsInspected': {
    kind: 'UNITS_INSPECTED',
    schema: S.UnitsInspected,
    map: (b: Body<typeof S.UnitsInspected>) => {
      const units = b.InspectedUnits?.length ? b.InspectedUnits : b.InspectedPanel ? [b.InspectedPanel] : [];
      return {
        transactionId: transactionOf(b),
        operator: operatorId(b.Inspector),
        units: units.map((u) => ({
          serial: u.UnitIdentifier,
          position: 'UnitPositionNumber' in u ? opt(u.UnitPositionNumber as number | null) : undefined,
          result: TEST_RESULT[u.OverallResult],
          findings: (u.Inspections ?? []).flatMap((i) => [
            ...(i.DefectsFound ?? []).map(defectFinding),
            ...(i.Symptoms ?? []).map(symptomFinding),
          ]),
        })),
      };
    },
  },
  'CFX.Production.ReworkAndRepair.UnitsRepaired': {
    kind: 'UNITS_REPAIRED',
    schema: S.UnitsRepaired,
    map: (b: Body<typeof S.UnitsRepaired>) => ({
      transactionId: transactionOf(b),
      operator: operatorId(b.RepairOperator),
      units: b.RepairedUnits.map((u) => ({
        serial: u.UnitIdentifier,
        position: opt(u.UnitPositionNumber),
        result: REPAIR_RESULT[u.OverallResult],
        findings: (u.Repairs ?? []).flatMap((r) => (r.ReclassifiedDefects ?? []).map(defectFinding)),
      })),
    }),
  },
  'CFX.Production.WorkStarted': {
    kind: 'WORK_STARTED',
    schema: S.WorkStarted,
    map: (b: Body<typeof S.WorkStarted>) => ({
      transactionId: transactionOf(b),
      primaryIdentifier: opt(b.PrimaryIdentifier),
      workOrder: opt(b.WorkOrderIdentifier),
      units: positions(b.Units, b.PrimaryIdentifier, 'NONE'),
    }),
  },
  'CFX.Production.WorkCompleted': {
    kind: 'WORK_COMPLETED',
    schema: S.WorkCompleted,
    map: (b: Body<typeof S.WorkCompleted>) => ({
      transactionId: transactionOf(b),
      primaryIdentifier: opt(b.PrimaryIdentifier),
      units: positions(b.Units, b.PrimaryIdentifier, WORK_RESULT[b.Result]),
    }),
  },
  'CFX.Production.UnitsDisqualified': {
    kind: 'UNITS_DISQUALIFIED',
    schema: S.UnitsDisqualified,
    map: (b: Body<typeof S.UnitsDisqualified>) => ({
      primaryIdentifier: opt(b.PrimaryIdentifier),
      reason: opt(b.Reason),
      comments: opt(b.Comments),
      units: b.Units.map((u) => ({
        serial: u.UnitIdentifier,
        position: opt(u.PositionNumber),
        result: 'SCRAP',
        findings: [],
      })),
    }),
  },
  'CFX.Materials.Management.BlockMaterialsRequest': {
    kind: 'MATERIALS_BLOCKED',
    schema: S.BlockMaterialsRequest,
    map: (b: Body<typeof S.BlockMaterialsRequest>) => ({
      materials: b.MaterialPackageIdentifiers,
      reason: opt(b.Reason),
      comments: opt(b.Comments),
      operator: operatorId(b.Blocker),
      units: [],
    }),
  },
  'CFX.Materials.Management.UnblockMaterialsRequest': {
    kind: 'MATERIALS_UNBLOCKED',
    schema: S.UnblockMaterialsRequest,
    map: (b: Body<typeof S.UnblockMaterialsRequest>) => ({
      materials: b.MaterialPackageIdentifiers,
      comments: opt(b.Comments),
      operator: operatorId(b.Unblocker),
      units: [],
    }),
  },
};

/** Short names (UnitsTested) resolve to full names, so profiles can list either. */
export function fullCfxName(name: string): string | undefined {
  if (name in CFX_MESSAGES) return name;
  return Object.keys(CFX_MESSAGES).find((full) => full.endsWith(`.${name}`));
}

export function mapEnvelope(
  env: S.Envelope,
  spec: MessageSpec,
  body: unknown,
  profileId: string,
  context: EventContext,
): QualityEvent {
  const mapped = spec.map(body as never);
  const event: QualityEvent = {
    profileId,
    sourceEventId: env.UniqueID,
    kind: spec.kind,
    occurredAt: new Date(env.TimeStamp).toISOString(),
    result: mapped.units.length > 0 ? worstResult(mapped.units.map((u) => u.result)) : 'NONE',
    context,
    sender: opt(env.Source),
    ...mapped,
  };
  // Optional fields may hold undefined; JSON.stringify drops them when the event is stored.
  return event;
}
