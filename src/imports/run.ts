/**
 * Imports master and order data from JSON or CSV. All or nothing per file: every row
 * is validated (shape, then references against the store) and every bad row reported;
 * only a file with no problem is applied, in one transaction, with one audit entry.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { formatIssues } from '../config/issues.js';
import { IMPORT_KINDS, CSV_CHILDREN, type ImportKind } from './schemas.js';
import type { Repos } from '../containment/repos.js';
import type { Actor } from '../holds/types.js';
import type { ReceiptRecord } from '../store/orders-repo.js';

export class ImportRejected extends Error {
  constructor(readonly problems: string[]) {
    super(
      `the import was rejected: ${problems.length} problem${problems.length === 1 ? '' : 's'}, nothing was changed`,
    );
  }
}

interface SourceRow {
  label: string;
  value: Record<string, unknown>;
}

/** CSV text → rows labelled by their line number (the header is line 1). */
export function csvRows(kind: ImportKind, text: string): SourceRow[] {
  let records: Record<string, string>[];
  try {
    records = parseCsv<Record<string, string>>(text, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    });
  } catch (err) {
    throw new ImportRejected([`csv: ${(err as Error).message}`]);
  }
  const child = CSV_CHILDREN[kind];
  if (!child) return records.map((r, i) => ({ label: `row ${i + 2}`, value: r }));
  const grouped = new Map<string, SourceRow>();
  records.forEach((r, i) => {
    const key = child.key.map((k) => r[k] ?? '').join('\u0000');
    let parent = grouped.get(key);
    if (!parent) {
      const value: Record<string, unknown> = { ...r, [child.list]: [] };
      for (const c of Object.keys(child.columns)) delete value[c];
      parent = { label: `row ${i + 2}`, value };
      grouped.set(key, parent);
    }
    const sub: Record<string, string> = {};
    for (const [col, field] of Object.entries(child.columns)) if (r[col]) sub[field] = r[col];
    if (Object.keys(sub).length > 0) (parent.value[child.list] as unknown[]).push(sub);
  });
  return [...grouped.values()];
}

export function jsonRows(body: unknown): SourceRow[] {
  const list = Array.isArray(body) ? body : (body as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(list))
    throw new ImportRejected(['(root): send a JSON list of rows, or { "rows": [...] }']);
  return list.map((v, i) => ({ label: `[${i}]`, value: (v ?? {}) as Record<string, unknown> }));
}

/** Shape checks for every row; returns parsed rows or throws with every problem. */
export function validateRows(
  kind: ImportKind,
  rows: SourceRow[],
): { label: string; row: Record<string, unknown> }[] {
  const schema = IMPORT_KINDS[kind];
  const problems: string[] = [];
  const out: { label: string; row: Record<string, unknown> }[] = [];
  if (rows.length === 0) throw new ImportRejected(['(file): no rows']);
  for (const r of rows) {
    const parsed = schema.safeParse(r.value);
    if (parsed.success) out.push({ label: r.label, row: parsed.data });
    else problems.push(...formatIssues(parsed.error.issues).map((l) => `${r.label}: ${l}`));
  }
  if (problems.length > 0) throw new ImportRejected(problems);
  return out;
}

/** Applies validated rows inside a group-commit job; reference problems abort the whole file. */
export function applyImport(
  r: Repos,
  kind: ImportKind,
  rows: { label: string; row: Record<string, unknown> }[],
  actor: Actor,
  at: string,
): number {
  const problems: string[] = [];
  const itemKnown = (part: string) => r.material.item(part) !== undefined;
  const lotKnown = (lot: string) => r.material.lot(lot) !== undefined;
  for (const { label, row } of rows) {
    // Rows were parsed by their kind's schema; these are the fields the checks read.
    const x = row as {
      item?: string;
      lot_id?: string;
      work_order?: string;
      line?: string;
      supplier?: string;
      supplier_lot?: string;
      quantity?: number;
      received_at?: string;
      allocations?: { lot_id?: string; serial?: string }[];
      components?: { component_lot: string }[];
    };
    switch (kind) {
      case 'items':
        r.material.upsertItem(row as never);
        break;
      case 'lots':
        if (!itemKnown(x.item!))
          problems.push(`${label}: item: ${x.item} is not a known item (import items first)`);
        else r.material.upsertLot(row as never);
        break;
      case 'serials':
        if (x.item && !itemKnown(x.item)) problems.push(`${label}: item: ${x.item} is not a known item`);
        else if (x.lot_id && !lotKnown(x.lot_id))
          problems.push(`${label}: lot_id: ${x.lot_id} is not a known lot (import lots first)`);
        else r.material.upsertUnit(row as never, at);
        break;
      case 'locations':
        r.material.upsertLocation(row as never);
        break;
      case 'customer-orders': {
        const allocs = x.allocations ?? [];
        const bad = allocs.flatMap((a, i) => [
          ...(a.lot_id && !lotKnown(a.lot_id)
            ? [`${label}: allocations[${i}].lot_id: ${a.lot_id} is not a known lot`]
            : []),
          ...(a.serial && !r.material.unit(a.serial)
            ? [`${label}: allocations[${i}].serial: ${a.serial} is not a known serial`]
            : []),
        ]);
        if (bad.length) problems.push(...bad);
        else r.orders.upsertOrderLine(row as never);
        break;
      }
      case 'work-orders': {
        const comps = x.components ?? [];
        const bad = comps
          .filter((c) => !lotKnown(c.component_lot))
          .map((c) => `${label}: components: ${c.component_lot} is not a known lot`);
        if (!itemKnown(x.item!)) bad.push(`${label}: item: ${x.item} is not a known item`);
        if (bad.length) problems.push(...bad);
        else {
          r.orders.upsertWorkOrder(row as never);
          // The material context maps the work order to its output lot for incoming events.
          r.material.upsertWorkOrder(
            x.work_order as string,
            x.item as string,
            (x.lot_id as string) ?? null,
            (x.line as string) ?? null,
          );
        }
        break;
      }
      case 'supplier-receipts':
        if (!itemKnown(x.item!)) problems.push(`${label}: item: ${x.item} is not a known item`);
        else {
          r.orders.upsertReceipt({
            ...(row as unknown as ReceiptRecord),
            received_at: new Date(x.received_at as string).toISOString(),
          });
          r.material.upsertLot({
            lot_id: x.lot_id as string,
            item: x.item,
            quantity: x.quantity,
            supplier: x.supplier,
            supplier_lot: x.supplier_lot ?? null,
          });
        }
        break;
    }
  }
  if (problems.length > 0) throw new ImportRejected(problems);
  r.audit.append({
    at,
    actor,
    source: 'api',
    action: 'IMPORT',
    entityType: 'import',
    entityId: kind,
    after: { rows: rows.length },
  });
  return rows.length;
}
