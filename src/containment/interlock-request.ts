/** The shape of an interlock question, shared by the HTTP and MQTT adapters. */
import { z } from 'zod';
import { OPERATIONS } from '../holds/types.js';

export const interlockQuestion = z
  .strictObject({
    serial: z.string().min(1).optional(),
    lot: z.string().min(1).optional(),
    operation: z.enum(OPERATIONS, `must be one of ${OPERATIONS.join(', ')}`),
  })
  .refine((q) => (q.serial === undefined) !== (q.lot === undefined), {
    message: 'name exactly one of serial or lot',
    path: ['serial'],
  });

export type InterlockQuestion = z.output<typeof interlockQuestion>;
