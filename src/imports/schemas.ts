/**
 * Import rows, one schema per kind. CSV cells arrive as text: empty cells are absent,
 * numbers and booleans are coerced. Nested data (order allocations, work-order
 * components) is one CSV row per child, grouped by the parent's key.
 */
import { z } from 'zod';

/** GS1 mod-10 check digit over GTIN-8/12/13/14. */
export function gtinValid(gtin: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(gtin)) return false;
  const digits = gtin.split('').map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const text = z.preprocess(blank, z.string().trim().min(1).optional());
const req = (what: string) =>
  z.preprocess(blank, z.string(`${what} is required`).trim().min(1, `${what} is required`));
const num = (what: string) =>
  z.preprocess(
    blank,
    z.coerce.number(`${what} must be a number`).refine(Number.isFinite, `${what} must be a number`),
  );
const positive = (what: string) => num(what).refine((n) => n > 0, `${what} must be more than 0`);
const date = z.preprocess(
  blank,
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date (YYYY-MM-DD) or an ISO 8601 time')
    .optional(),
);
const bool = z.preprocess(
  (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' || v === '' ? false : v),
  z.boolean().default(false),
);

export const itemRow = z.object({
  part_number: req('part_number'),
  gtin: z.preprocess(
    blank,
    z
      .string()
      .refine(gtinValid, 'is not a valid GTIN (8, 12, 13 or 14 digits with a correct check digit)')
      .optional(),
  ),
  family: text,
  tracking_mode: z.preprocess(
    blank,
    z
      .enum(['NONE', 'LOT', 'SERIAL', 'LOT_AND_SERIAL'], 'must be NONE, LOT, SERIAL or LOT_AND_SERIAL')
      .default('SERIAL'),
  ),
  unit_cost: z.preprocess(
    blank,
    z.coerce.number('must be a number').min(0, 'must not be negative').default(0),
  ),
  uom: z.preprocess(blank, z.string().default('EA')),
  description: text,
});

export const lotRow = z.object({
  lot_id: req('lot_id'),
  item: req('item'),
  quantity: positive('quantity'),
  uom: z.preprocess(blank, z.string().default('EA')),
  parent_lot: text,
  supplier_lot: text,
  supplier: text,
  plant: text,
  line: text,
});

export const serialRow = z.object({
  serial: req('serial'),
  item: text,
  lot_id: text,
  location: text,
  lifecycle: z.preprocess(
    blank,
    z
      .enum(['ACTIVE', 'CONSUMED', 'SHIPPED', 'SCRAPPED'], 'must be ACTIVE, CONSUMED, SHIPPED or SCRAPPED')
      .default('ACTIVE'),
  ),
});

export const locationRow = z.object({
  id: req('id'),
  plant: req('plant'),
  area: text,
  line: text,
  station: text,
  quarantine: bool,
});

const allocation = z
  .object({ lot_id: text, serial: text, quantity: positive('allocation quantity') })
  .refine(
    (a) => a.lot_id !== undefined || a.serial !== undefined,
    'an allocation names a lot_id or a serial',
  );

export const orderLineRow = z.object({
  order_id: req('order_id'),
  line_no: z.preprocess(
    blank,
    z.coerce.number('line_no must be a whole number').int('line_no must be a whole number').positive(),
  ),
  customer: req('customer'),
  item: req('item'),
  quantity: positive('quantity'),
  promised_date: date,
  status: z.preprocess(blank, z.enum(['OPEN', 'SHIPPED', 'CANCELLED']).default('OPEN')),
  allocations: z.array(allocation).default([]),
});

export const workOrderRow = z.object({
  work_order: req('work_order'),
  item: req('item'),
  lot_id: text,
  line: text,
  quantity: z.preprocess(blank, z.coerce.number().positive().optional()),
  scheduled_start: date,
  status: z.preprocess(
    blank,
    z.enum(['PLANNED', 'RELEASED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED']).default('PLANNED'),
  ),
  components: z
    .array(z.object({ component_lot: req('component_lot'), quantity: positive('component quantity') }))
    .default([]),
});

export const receiptRow = z.object({
  receipt_id: req('receipt_id'),
  supplier: req('supplier'),
  item: req('item'),
  lot_id: req('lot_id'),
  supplier_lot: text,
  quantity: positive('quantity'),
  received_at: z.preprocess(
    blank,
    z
      .string('received_at is required')
      .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date or ISO time'),
  ),
});

export const IMPORT_KINDS = {
  items: itemRow,
  lots: lotRow,
  serials: serialRow,
  locations: locationRow,
  'customer-orders': orderLineRow,
  'work-orders': workOrderRow,
  'supplier-receipts': receiptRow,
} as const;
export type ImportKind = keyof typeof IMPORT_KINDS;

/** CSV columns of the child rows, folded into the parent's list. */
export const CSV_CHILDREN: Partial<
  Record<ImportKind, { key: string[]; list: string; columns: Record<string, string> }>
> = {
  'customer-orders': {
    key: ['order_id', 'line_no'],
    list: 'allocations',
    columns: { alloc_lot_id: 'lot_id', alloc_serial: 'serial', alloc_quantity: 'quantity' },
  },
  'work-orders': {
    key: ['work_order'],
    list: 'components',
    columns: { component_lot: 'component_lot', component_quantity: 'quantity' },
  },
};
