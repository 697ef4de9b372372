/** Every CFX message Holdgate reads, mapped from bodies shaped like the SDK's own examples. */
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/profiles/decode.js';
import { compileProfile, DeviceProfiles } from '../../../src/profiles/device-profiles.js';
import { deviceProfileSchema } from '../../../src/profiles/device-schema.js';
import { envelope } from '../../helpers/cfx.js';

const profile = compileProfile(
  deviceProfileSchema.parse({
    id: 'cfx-any',
    format: 'cfx',
    topics: ['cfx/{plant}/{line}/{station}'],
    context: { plant: '{plant}', line: '{line}', station: '{station}' },
  }),
  'inline',
);
const profiles = new DeviceProfiles([profile], 'PLANT-X');
const receivedAt = new Date('2026-03-02T07:20:00Z');

function decode(payload: unknown) {
  return decodeMessage(
    profiles,
    { topic: 'cfx/P1/L1/S1', payload: Buffer.from(JSON.stringify(payload)), receivedAt },
    1 << 20,
  );
}

function one(name: string, body: Record<string, unknown>) {
  const r = decode(envelope(name, body, 'uid-1'));
  if (!r.ok) throw new Error(`${r.code}: ${r.reason}`);
  expect(r.events).toHaveLength(1);
  return r.events[0]!;
}

describe('CFX mapping', () => {
  it('UnitsTested: panel circuits, symptoms, the worst result, event time in UTC', () => {
    const e = one('CFX.Production.TestAndInspection.UnitsTested', {
      TransactionId: '0f3c1d2e-7a44-4b1e-9b6a-3c2d1e0f9a88',
      TestMethod: 'ICT',
      Tester: { OperatorIdentifier: 'OP-117', ActorType: 'Human' },
      TestedUnits: [
        { UnitIdentifier: 'PNL-000981', UnitPositionNumber: 1, OverallResult: 'Passed', Tests: [] },
        {
          UnitIdentifier: 'PNL-000981',
          UnitPositionNumber: 2,
          OverallResult: 'Failed',
          Tests: [
            {
              TestName: 'CAP_C14',
              Result: 'Failed',
              SymptomsFound: [
                {
                  UniqueIdentifier: 's-2-C14',
                  SymptomCode: 'CAP_LOW',
                  SymptomCategory: 'Electrical',
                  ComponentsOfInterest: [{ ReferenceDesignator: 'C14', PartNumber: 'CAP-100N-0402' }],
                  Priority: 1,
                },
              ],
              DefectsFound: null,
            },
          ],
        },
      ],
    });
    expect(e).toMatchObject({
      profileId: 'cfx-any',
      sourceEventId: 'uid-1',
      kind: 'UNITS_TESTED',
      result: 'FAIL',
      occurredAt: '2026-03-02T07:15:30.123Z',
      transactionId: '0f3c1d2e-7a44-4b1e-9b6a-3c2d1e0f9a88',
      operator: 'OP-117',
      context: { plant: 'P1', line: 'L1', station: 'S1' },
      units: [
        { serial: 'PNL-000981', position: 1, result: 'PASS', findings: [] },
        {
          serial: 'PNL-000981',
          position: 2,
          result: 'FAIL',
          findings: [
            {
              type: 'SYMPTOM',
              code: 'CAP_LOW',
              category: 'Electrical',
              component: 'C14',
              partNumber: 'CAP-100N-0402',
              priority: 1,
            },
          ],
        },
      ],
    });
  });

  it('UnitsInspected reads Inspection.Symptoms (not SymptomsFound) and defects', () => {
    const e = one('CFX.Production.TestAndInspection.UnitsInspected', {
      TransactionId: '9a1b2c3d-0000-4000-8000-00000000aa01',
      InspectionMethod: 'AOI',
      Inspector: { OperatorIdentifier: null, ActorType: 'RemoteSystem' },
      InspectedUnits: [
        {
          UnitIdentifier: 'SN-7731-000123',
          UnitPositionNumber: 1,
          OverallResult: 'Failed',
          Inspections: [
            {
              InspectionName: 'U7_LEADS',
              Result: 'Failed',
              Symptoms: [{ SymptomCode: 'SHADOW' }],
              DefectsFound: [
                {
                  UniqueIdentifier: 'd-U7-3',
                  DefectCode: 'BRIDGE',
                  DefectCategory: 'Solder',
                  ComponentOfInterest: { ReferenceDesignator: 'U7.3', PartNumber: 'IC-SOIC8-01' },
                  Priority: 1,
                  ConfidenceLevel: 97.5,
                },
              ],
            },
          ],
        },
      ],
    });
    expect(e.kind).toBe('UNITS_INSPECTED');
    expect(e.units[0]!.findings.map((f) => `${f.type}:${f.code}`)).toEqual([
      'DEFECT:BRIDGE',
      'SYMPTOM:SHADOW',
    ]);
    expect(e.units[0]!.findings[0]).toMatchObject({ component: 'U7.3', sourceId: 'd-U7-3' });
  });

  it('UnitsInspected with only an InspectedPanel inspects the panel', () => {
    const e = one('CFX.Production.TestAndInspection.UnitsInspected', {
      InspectedUnits: null,
      InspectedPanel: { UnitIdentifier: 'PNL-9', OverallResult: 'Passed', Inspections: [] },
    });
    expect(e.units).toEqual([{ serial: 'PNL-9', result: 'PASS', findings: [] }]);
  });

  it('UnitsRepaired maps RepairResult and reclassified defects', () => {
    const e = one('CFX.Production.ReworkAndRepair.UnitsRepaired', {
      TransactionId: '2e6f0000-1111-4222-8333-444455556666',
      RepairOperator: { OperatorIdentifier: 'OP-204' },
      RepairedUnits: [
        {
          UnitIdentifier: 'SN-7731-000123',
          UnitPositionNumber: 1,
          OverallResult: 'RepairSuccessful',
          Repairs: [
            {
              RepairName: 'Remove bridge',
              RelatedDefectIdentifiers: ['d-U7-3'],
              ReclassifiedDefects: [],
              Result: 'RepairSuccessful',
            },
          ],
        },
        { UnitIdentifier: 'SN-2', OverallResult: 'Scrap' },
      ],
    });
    expect(e.units.map((u) => u.result)).toEqual(['REPAIRED', 'SCRAP']);
    expect(e.result).toBe('SCRAP');
    expect(e.operator).toBe('OP-204');
  });

  it('WorkStarted (TransactionID spelling) and WorkCompleted with unit status', () => {
    const started = one('CFX.Production.WorkStarted', {
      PrimaryIdentifier: 'PNL-000981',
      TransactionID: 'tx-1',
      Lane: 1,
      UnitCount: 2,
      Units: [
        { UnitIdentifier: 'PNL-000981', PositionNumber: 1, PositionName: 'CIRCUIT1' },
        { UnitIdentifier: 'PNL-000981', PositionNumber: 2, PositionName: 'CIRCUIT2' },
      ],
      WorkOrderIdentifier: 'WO-77',
    });
    expect(started).toMatchObject({
      kind: 'WORK_STARTED',
      transactionId: 'tx-1',
      workOrder: 'WO-77',
      result: 'NONE',
    });
    expect(started.units).toHaveLength(2);
    const done = one('CFX.Production.WorkCompleted', {
      TransactionID: 'tx-1',
      Result: 'Failed',
      PrimaryIdentifier: 'PNL-000981',
      Units: [{ UnitIdentifier: 'PNL-000981', PositionNumber: 2, Status: 'Fail' }],
    });
    expect(done).toMatchObject({
      kind: 'WORK_COMPLETED',
      result: 'FAIL',
      units: [{ position: 2, result: 'FAIL' }],
    });
    const bare = one('CFX.Production.WorkCompleted', {
      TransactionID: 'tx-2',
      Result: 'Completed',
      PrimaryIdentifier: 'PNL-5',
      Units: [],
    });
    expect(bare.units).toEqual([{ serial: 'PNL-5', result: 'PASS', findings: [] }]);
  });

  it('UnitsDisqualified scraps the named units', () => {
    const e = one('CFX.Production.UnitsDisqualified', {
      PrimaryIdentifier: 'PNL-000981',
      Reason: 'DefectiveRepairNotFeasible',
      Comments: 'Lifted pad under U7',
      UnitCount: 1,
      Units: [{ UnitIdentifier: 'PNL-000981', PositionNumber: 2, PositionName: 'CIRCUIT2' }],
    });
    expect(e).toMatchObject({
      kind: 'UNITS_DISQUALIFIED',
      result: 'SCRAP',
      reason: 'DefectiveRepairNotFeasible',
    });
  });

  it('Block and Unblock material requests name the packages', () => {
    const b = one('CFX.Materials.Management.BlockMaterialsRequest', {
      MaterialPackageIdentifiers: ['REEL-C14-2026-0211-07'],
      Reason: 'SuspectedProblem',
      Comments: 'Low capacitance on 3 boards',
      Blocker: { OperatorIdentifier: 'QE-03', ActorType: 'Human' },
    });
    expect(b).toMatchObject({
      kind: 'MATERIALS_BLOCKED',
      materials: ['REEL-C14-2026-0211-07'],
      reason: 'SuspectedProblem',
      operator: 'QE-03',
      units: [],
    });
    const u = one('CFX.Materials.Management.UnblockMaterialsRequest', {
      MaterialPackageIdentifiers: ['REEL-1'],
      Unblocker: { LoginName: 'qe3' },
    });
    expect(u).toMatchObject({ kind: 'MATERIALS_UNBLOCKED', materials: ['REEL-1'], operator: 'qe3' });
  });

  it('accepts enum numbers as Newtonsoft does, and a list of envelopes in one message', () => {
    const a = envelope(
      'CFX.Production.TestAndInspection.UnitsTested',
      { TestedUnits: [{ UnitIdentifier: 'A', OverallResult: 1 }] },
      'a',
    );
    const b = envelope('CFX.Production.WorkStarted', { PrimaryIdentifier: 'B', TransactionID: 't' }, 'b');
    const r = decode([a, b]);
    expect(r.ok && r.events.map((e) => [e.sourceEventId, e.result])).toEqual([
      ['a', 'FAIL'],
      ['b', 'NONE'],
    ]);
  });

  it('names the field and the fix when a body is wrong', () => {
    const r = decode([
      envelope('CFX.Production.WorkStarted', { PrimaryIdentifier: 'B' }, 'ok'),
      envelope('CFX.Production.TestAndInspection.UnitsTested', { TestedUnits: [] }, 'bad'),
    ]);
    expect(r).toMatchObject({
      ok: false,
      code: 'INVALID_SHAPE',
      reason: '[1].MessageBody.TestedUnits: must list at least one tested unit',
    });
    const noId = decode({ ...envelope('CFX.Production.WorkStarted', {}), UniqueID: null });
    expect(noId).toMatchObject({ ok: false, code: 'INVALID_SHAPE' });
    expect(!noId.ok && noId.reason).toMatch(/^UniqueID: must be the message GUID/);
  });
});
