/**
 * zod schemas for the IPC-CFX messages Holdgate reads (IPC-2591, SDK 2.1).
 * Tolerant where the SDK is loose: Newtonsoft writes unset properties as null, so
 * absent and null are treated alike, enums may arrive as names or numbers, unknown
 * properties are accepted and left out of the parsed body (the raw payload is kept in
 * the event log; z.object's compiled fast path is measurably cheaper than copying them).
 * Strict where a decision depends on it.
 */
import { z } from 'zod';

/** Newtonsoft reads enum numbers too; accept the index as the SDK would. */
function cfxEnum<const T extends readonly [string, ...string[]]>(name: string, values: T) {
  return z.preprocess(
    (v) => (typeof v === 'number' && Number.isInteger(v) ? (values[v] ?? v) : v),
    z.enum(values, `must be a CFX ${name}: ${values.join(', ')}`),
  );
}

export const TestResult = cfxEnum('TestResult', ['Passed', 'Failed', 'Error', 'Aborted', 'Skipped']);
export const RepairResult = cfxEnum('RepairResult', [
  'RepairSuccessful',
  'UnableToRepair',
  'Scrap',
  'Error',
  'Aborted',
]);
export const WorkResult = cfxEnum('WorkResult', ['Completed', 'Failed', 'Aborted', 'Skipped']);
export const UnitStatus = cfxEnum('UnitStatus', ['Pass', 'Fail', 'Scrap', 'Skip']);

/** CFX requires the offset: TimeStamp is when the event happened at the device. */
const timestamp = z
  .string('must be an ISO 8601 time with a UTC offset, e.g. 2026-03-02T08:15:30+01:00')
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/,
    'must be an ISO 8601 time with a UTC offset, e.g. 2026-03-02T08:15:30+01:00',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'is not a real date and time');

const text = z.string().nullish();
const int = z.number().int().nullish();
const list = <T extends z.ZodType>(item: T) => z.array(item).nullish();
const identifier = z
  .string('must be a non-empty string (the unit serial or barcode)')
  .min(1, 'must not be empty');

const Operator = z
  .object({ OperatorIdentifier: text, LoginName: text, LastName: text, FirstName: text })
  .nullish();
const ComponentDesignator = z.object({ ReferenceDesignator: text, PartNumber: text }).nullish();

export const Symptom = z.object({
  UniqueIdentifier: text,
  SymptomCode: text,
  SymptomCategory: text,
  Description: text,
  Priority: z.number().nullish(),
  ComponentsOfInterest: list(ComponentDesignator),
});

export const Defect = z.object({
  UniqueIdentifier: text,
  DefectCode: text,
  DefectCategory: text,
  Description: text,
  Priority: z.number().nullish(),
  ComponentOfInterest: ComponentDesignator,
});

const Test = z.object({
  TestName: text,
  Result: TestResult.nullish(),
  SymptomsFound: list(Symptom),
  DefectsFound: list(Defect),
});

const Inspection = z.object({
  InspectionName: text,
  Result: TestResult.nullish(),
  DefectsFound: list(Defect),
  // Inspection says `Symptoms` where Test says `SymptomsFound` (CFX SDK naming).
  Symptoms: list(Symptom),
});

const Repair = z.object({
  RepairName: text,
  Result: RepairResult.nullish(),
  ReclassifiedDefects: list(Defect),
  RelatedDefectIdentifiers: list(z.string()),
});

const UnitPosition = z.object({
  UnitIdentifier: identifier,
  PositionNumber: int,
  PositionName: text,
  Status: UnitStatus.nullish(),
});

/** WorkStarted/Completed spell it TransactionID, the unit messages TransactionId: accept both. */
const transaction = { TransactionId: text, TransactionID: text };

export const UnitsTested = z.object({
  ...transaction,
  Tester: Operator,
  RecipeName: text,
  TestedUnits: z
    .array(
      z.object({
        UnitIdentifier: identifier,
        UnitPositionNumber: int,
        OverallResult: TestResult,
        Tests: list(Test),
      }),
      'must be a list of tested units',
    )
    .min(1, 'must list at least one tested unit'),
});

const InspectedUnit = z.object({
  UnitIdentifier: identifier,
  UnitPositionNumber: int,
  OverallResult: TestResult,
  Inspections: list(Inspection),
});

export const UnitsInspected = z
  .object({
    ...transaction,
    Inspector: Operator,
    RecipeName: text,
    InspectedUnits: list(InspectedUnit),
    InspectedPanel: InspectedUnit.omit({ UnitPositionNumber: true }).nullish(),
  })
  .refine((b) => (b.InspectedUnits?.length ?? 0) > 0 || b.InspectedPanel, {
    message: 'must have InspectedUnits or an InspectedPanel (nothing was inspected)',
    path: ['InspectedUnits'],
  });

export const UnitsRepaired = z.object({
  ...transaction,
  RepairOperator: Operator,
  RepairedUnits: z
    .array(
      z.object({
        UnitIdentifier: identifier,
        UnitPositionNumber: int,
        OverallResult: RepairResult,
        Repairs: list(Repair),
      }),
      'must be a list of repaired units',
    )
    .min(1, 'must list at least one repaired unit'),
});

export const WorkStarted = z.object({
  ...transaction,
  PrimaryIdentifier: text,
  Lane: int,
  UnitCount: int,
  Units: list(UnitPosition),
  WorkOrderIdentifier: text,
  RecipeName: text,
});

export const WorkCompleted = z.object({
  ...transaction,
  PrimaryIdentifier: text,
  Result: WorkResult,
  UnitCount: int,
  Units: list(UnitPosition),
});

export const UnitsDisqualified = z.object({
  PrimaryIdentifier: text,
  Reason: cfxEnum('DisqualificationReason', [
    'DefectiveRepairNotPossible',
    'DefectiveRepairNotFeasible',
    'DefectiveMaterials',
  ]).nullish(),
  Comments: text,
  Units: z.array(UnitPosition, 'must be a list of unit positions').min(1, 'must list at least one unit'),
});

const packages = z
  .array(z.string().min(1), 'must be a list of material package ids')
  .min(1, 'must name at least one material package');

export const BlockMaterialsRequest = z.object({
  MaterialPackageIdentifiers: packages,
  Reason: cfxEnum('BlockReason', [
    'Unspecified',
    'SuspectedProblem',
    'Defective',
    'ExpiredMaterial',
    'ExpiredTool',
  ]).nullish(),
  Comments: text,
  Blocker: Operator,
});

export const UnblockMaterialsRequest = z.object({
  MaterialPackageIdentifiers: packages,
  Comments: text,
  Unblocker: Operator,
});

export const Envelope = z.object({
  MessageName: z.string('must be the CFX message name, e.g. CFX.Production.WorkStarted').min(1),
  Version: text,
  TimeStamp: timestamp,
  UniqueID: z
    .string('must be the message GUID (CFX UniqueID; used to drop duplicates)')
    .min(1, 'must not be empty'),
  Source: text,
  MessageBody: z.record(z.string(), z.unknown(), 'must be an object holding the message body'),
});
export type Envelope = z.output<typeof Envelope>;
