/**
 * Sync target profiles (sync/*.yaml): where outbox rows go, which transaction types each
 * target takes, in what order, how fast, and how failures are retried.
 */
import { z } from 'zod';
import { secretRefSchema } from '../config/schema.js';

export const OUTBOX_TYPES = [
  'HOLD_LINE_PLACED',
  'HOLD_LINE_SPLIT',
  'HOLD_LINE_VOIDED',
  'HOLD_LINE_RELEASED',
  'SCRAP',
  'RETURN_TO_SUPPLIER',
] as const;

const commonFields = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'use lower-case letters, digits, dot, dash (e.g. erp-rest)'),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  types: z
    .array(z.enum(OUTBOX_TYPES, `must be one of ${OUTBOX_TYPES.join(', ')}`))
    .min(1, 'list the transaction types this target takes'),
  // per_key: rows of one lot/serial in order, keys in parallel; global: one row at a time, in sequence.
  order: z.enum(['per_key', 'global']).default('per_key'),
  concurrency: z.number().int().min(1).max(64).default(8),
  batch: z.strictObject({ max_rows: z.number().int().min(1).max(1000).default(1) }).prefault({}),
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  retry: z
    .strictObject({
      base_ms: z.number().int().min(10).default(500),
      max_ms: z.number().int().min(100).default(60_000),
    })
    .prefault({}),
  // Backlog replay must not starve live rows: rows younger than live_window_ms go first,
  // older ones at most rows_per_s (0 = no limit).
  replay: z
    .strictObject({
      live_window_ms: z.number().int().min(0).default(10_000),
      rows_per_s: z.number().min(0).default(0),
    })
    .prefault({}),
  circuit: z
    .strictObject({
      // Consecutive failures that open the breaker, and how long it stays open.
      failures: z.number().int().min(1).default(5),
      open_ms: z.number().int().min(100).default(10_000),
    })
    .prefault({}),
};

const restTarget = z.strictObject({
  ...commonFields,
  kind: z.literal('rest'),
  url: z.url('must be an http(s) URL'),
  // HMAC-SHA256 key for the X-Holdgate-Signature header.
  secret: secretRefSchema.optional(),
  // Session login for receivers that want a bearer token: POST {username, password} to
  // login_url, read `token` from the JSON answer; a 401 later logs in again and retries.
  auth: z
    .strictObject({
      login_url: z.url('must be an http(s) URL'),
      username: z.string().min(1),
      password: secretRefSchema,
    })
    .optional(),
  // This target's own shape: type names and payload fields picked by path (default: canonical).
  mapping: z
    .strictObject({
      type_names: z.partialRecord(z.enum(OUTBOX_TYPES), z.string().min(1)).default({}),
      // out field → dotted path in the canonical payload, e.g. { Batch: lotId, Qty: quantity }
      fields: z.record(z.string(), z.string().min(1)).optional(),
    })
    .optional(),
});

/** Tryton 6.0 over JSON-RPC: holds, releases, scraps and returns become stock moves between locations. */
const trytonTarget = z.strictObject({
  ...commonFields,
  kind: z.literal('tryton'),
  // Tryton serialises writers and each shipment costs it ~60 ms: batches of 25 measured 7×
  // the rows/s of single rows, 100 was slower again (npm run bench).
  batch: z.strictObject({ max_rows: z.number().int().min(1).max(1000).default(25) }).prefault({}),
  concurrency: z.number().int().min(1).max(64).default(2),
  // The server's base URL (no database): http://erp.plant.example:8000
  url: z.url('must be an http(s) URL'),
  database: z.string().min(1, 'name the Tryton database'),
  username: z.string().min(1).default('admin'),
  password: secretRefSchema,
  // Location codes (stock.location.code). The hold location is a storage location beside the
  // warehouse's storage zone: counted in stock, never picked for shipments.
  locations: z
    .strictObject({
      warehouse: z.string().min(1).default('WH'),
      hold: z.string().min(1).default('QHOLD'),
      scrap: z.string().min(1).default('SCRAP'),
      // Supplier returns go to this supplier-type location; default: the first one Tryton lists.
      supplier: z.string().min(1).optional(),
    })
    .prefault({}),
  // Party of supplier-return shipments when the lot names no supplier Tryton knows.
  return_party: z.string().min(1).default('Holdgate supplier returns'),
  // Demo/test convenience: create the company, currency and the hold/scrap locations when
  // missing. Off in a plant: the ERP's own administrators set those up.
  prepare: z.boolean().default(false),
  inbound: z
    .strictObject({
      enabled: z.boolean().default(true),
      interval_s: z.number().min(1).default(300),
      plant: z.string().optional(),
    })
    .prefault({}),
});

export const syncTargetSchema = z.discriminatedUnion('kind', [restTarget, trytonTarget], {
  error: 'kind must be rest or tryton',
});
export type SyncTarget = z.output<typeof syncTargetSchema>;
export type TrytonTarget = z.output<typeof trytonTarget>;
