/**
 * Schema of a device profile (devices/*.yaml): which topics a device family publishes
 * on, the payload format, and how the payload maps onto a QualityEvent.
 */
import { z } from 'zod';
import { EVENT_KINDS, RESULTS } from '../holds/quality-event.js';
import { topicPatternProblem } from './topic.js';
import { fullCfxName } from './cfx/map.js';

/** A dotted path into the payload: `a.b[0].c`. */
const fieldPath = z
  .string('must be a dotted field path such as result.verdict')
  .regex(
    /^[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/,
    'must be a dotted field path such as result.verdict or units[0].sn',
  );

const template = z.string().min(1, 'give a value or a {capture} from the topic');

const findingsSchema = z.strictObject({
  path: fieldPath,
  code: fieldPath,
  category: fieldPath.optional(),
  description: fieldPath.optional(),
  component: fieldPath.optional(),
  type: z.enum(['DEFECT', 'SYMPTOM']).default('DEFECT'),
});

const jsonMappingSchema = z.strictObject({
  kind: z.enum(EVENT_KINDS, `must be one of ${EVENT_KINDS.join(', ')}`),
  // Without a source id, the payload's content hash is the id: a byte-identical repeat is a duplicate.
  source_id: fieldPath.optional(),
  occurred_at: fieldPath.optional(),
  lot: fieldPath.optional(),
  work_order: fieldPath.optional(),
  units: z.strictObject({
    // Omitted: the payload itself is the one unit.
    path: fieldPath.optional(),
    serial: fieldPath,
    position: fieldPath.optional(),
    result: fieldPath.optional(),
    result_map: z.record(z.string(), z.enum(RESULTS, `must be one of ${RESULTS.join(', ')}`)).default({}),
    findings: findingsSchema.optional(),
  }),
});

export const deviceProfileSchema = z
  .strictObject({
    id: z
      .string('give the profile an id')
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'use lower-case letters, digits, dot, dash (e.g. cfx-aoi)'),
    description: z.string().optional(),
    format: z.enum(['cfx', 'json'], 'must be cfx or json'),
    topics: z
      .array(
        z.string().superRefine((t, ctx) => {
          const problem = topicPatternProblem(t);
          if (problem)
            ctx.addIssue({ code: 'custom', message: `${problem} (e.g. cfx/{plant}/{line}/aoi/{station})` });
        }),
        'must be a list of topic patterns',
      )
      .min(1, 'list at least one topic pattern'),
    context: z
      .strictObject({
        plant: template.optional(),
        line: template.optional(),
        station: template.optional(),
        machine: template.optional(),
      })
      .default({}),
    cfx: z
      .strictObject({
        messages: z
          .array(
            z.string().refine((n) => fullCfxName(n) !== undefined, {
              message: 'is not a CFX message Holdgate reads (e.g. UnitsTested, WorkStarted)',
            }),
          )
          .optional(),
      })
      .optional(),
    json: jsonMappingSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.format === 'json' && !p.json)
      ctx.addIssue({
        code: 'custom',
        path: ['json'],
        message: 'is required for format json (map the payload fields)',
      });
    if (p.format === 'cfx' && p.json)
      ctx.addIssue({ code: 'custom', path: ['json'], message: 'only applies to format json (remove it)' });
    // A {capture} used in the context must be captured by every topic, or it would be blank.
    for (const [key, value] of Object.entries(p.context)) {
      for (const name of value?.match(/\{([a-z][a-z0-9_]*)\}/g) ?? []) {
        const missing = p.topics.filter((t) => !t.split('/').includes(name));
        if (missing.length > 0)
          ctx.addIssue({
            code: 'custom',
            path: ['context', key],
            message: `uses ${name}, which topic ${missing[0]} does not capture (add ${name} to the topic or use a constant)`,
          });
      }
    }
  });

export type DeviceProfileSpec = z.output<typeof deviceProfileSchema>;
export type JsonMapping = z.output<typeof jsonMappingSchema>;
