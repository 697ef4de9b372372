/** Builders for IPC-CFX envelopes as a real tester or AOI would send them. */
import { randomUUID } from 'node:crypto';

export interface Envelope {
  MessageName: string;
  Version: string;
  TimeStamp: string;
  UniqueID: string;
  Source: string | null;
  Target: null;
  RequestID: null;
  MessageBody: Record<string, unknown>;
}

export function envelope(name: string, body: Record<string, unknown>, id: string = randomUUID()): Envelope {
  return {
    MessageName: name,
    Version: '2.1',
    TimeStamp: '2026-03-02T08:15:30.1234567+01:00',
    UniqueID: id,
    Source: 'AcmeTest.FCT900.SN0042',
    Target: null,
    RequestID: null,
    MessageBody: body,
  };
}

export function unitsTested(serial: string, result: 'Passed' | 'Failed', id?: string): Envelope {
  const failed = result === 'Failed';
  return envelope(
    'CFX.Production.TestAndInspection.UnitsTested',
    {
      TransactionId: randomUUID(),
      TestMethod: 'FCT',
      Tester: {
        OperatorIdentifier: 'OP-117',
        ActorType: 'Human',
        LastName: null,
        FirstName: null,
        LoginName: null,
      },
      RecipeName: 'PCBA-7731-FCT',
      RecipeRevision: 'C',
      SamplingInformation: { SamplingMethod: 'NoSampling', LotSize: null, SampleSize: null },
      TestedUnits: [
        {
          UnitIdentifier: serial,
          UnitPositionNumber: 1,
          OverallResult: result,
          Tests: [
            {
              UniqueIdentifier: 't-C14',
              TestName: 'CAP_C14',
              Result: result,
              SymptomsFound: failed
                ? [
                    {
                      UniqueIdentifier: 's-C14',
                      SymptomCode: 'CAP_LOW',
                      SymptomCategory: 'Electrical',
                      Description: 'Capacitance below limit',
                      Status: 'NewlyDiscovered',
                      ComponentsOfInterest: [
                        { ReferenceDesignator: 'C14', UnitPosition: null, PartNumber: 'CAP-100N-0402' },
                      ],
                      Priority: 1,
                    },
                  ]
                : [],
              DefectsFound: [],
              Measurements: [
                {
                  $type: 'CFX.Structures.NumericMeasurement, CFX',
                  UniqueIdentifier: 'm-C14',
                  MeasurementName: 'C14_CAP',
                  Result: result,
                  MeasuredValue: {
                    Value: failed ? 71.5 : 99.8,
                    ValueUnits: 'nF',
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
    id,
  );
}

export const TESTER_TOPIC = 'cfx/PLANT-1/L1/tester/FCT1';
export const AOI_TOPIC = 'cfx/PLANT-1/L1/aoi/AOI1';
