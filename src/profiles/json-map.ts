/**
 * Generic JSON → QualityEvent through a profile's field mapping (plain vision systems,
 * in-house testers). Pure; problems name the payload field and the profile key.
 */
import { createHash } from 'node:crypto';
import type { JsonMapping } from './device-schema.js';
import { readPath } from './field-path.js';
import {
  RESULTS,
  worstResult,
  type EventContext,
  type Finding,
  type QualityEvent,
  type Result,
  type UnitOutcome,
} from '../holds/quality-event.js';

export class MappingError extends Error {}

function str(value: unknown, field: string, profileKey: string, required: true): string;
function str(value: unknown, field: string, profileKey: string, required: false): string | undefined;
function str(value: unknown, field: string, profileKey: string, required: boolean): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required)
      throw new MappingError(
        `${field}: missing (profile key ${profileKey} reads it; send it or change the mapping)`,
      );
    return undefined;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new MappingError(`${field}: expected text, got ${Array.isArray(value) ? 'a list' : typeof value}`);
}

function result(value: unknown, field: string, map: Record<string, Result>): Result {
  if (value === undefined || value === null) return 'NONE';
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
    throw new MappingError(
      `${field}: expected a result value, got ${Array.isArray(value) ? 'a list' : typeof value}`,
    );
  const key = String(value);
  const mapped = map[key] ?? (RESULTS as readonly string[]).find((r) => r === key.toUpperCase());
  if (!mapped)
    throw new MappingError(
      `${field}: '${key}' is not a known result (add it to units.result_map in the profile)`,
    );
  return mapped as Result;
}

function toIso(value: unknown, field: string): string {
  const date = typeof value === 'number' ? new Date(value) : new Date(String(value));
  if (Number.isNaN(date.getTime()))
    throw new MappingError(`${field}: '${String(value)}' is not a date and time (send ISO 8601 or epoch ms)`);
  return date.toISOString();
}

function findings(unit: unknown, m: NonNullable<JsonMapping['units']['findings']>): Finding[] {
  const list = readPath(unit, m.path);
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new MappingError(`${m.path}: expected a list of findings`);
  return list.map((f, i) => {
    const at = (p: string) => `${m.path}[${i}].${p}`;
    const finding: Finding = {
      type: m.type,
      code: str(readPath(f, m.code), at(m.code), 'units.findings.code', true),
    };
    const category = m.category
      ? str(readPath(f, m.category), at(m.category), 'units.findings.category', false)
      : undefined;
    const description = m.description
      ? str(readPath(f, m.description), at(m.description), 'units.findings.description', false)
      : undefined;
    const component = m.component
      ? str(readPath(f, m.component), at(m.component), 'units.findings.component', false)
      : undefined;
    if (category) finding.category = category;
    if (description) finding.description = description;
    if (component) finding.component = component;
    return finding;
  });
}

export function mapJson(
  payload: unknown,
  raw: Buffer,
  mapping: JsonMapping,
  profileId: string,
  context: EventContext,
  receivedAt: Date,
): QualityEvent {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new MappingError('(root): expected a JSON object');
  const u = mapping.units;
  const unitNodes: unknown[] = u.path ? (readPath(payload, u.path) as unknown[]) : [payload];
  if (u.path && !Array.isArray(unitNodes))
    throw new MappingError(`${u.path}: expected a list of units (profile key units.path)`);
  const units: UnitOutcome[] = unitNodes.map((node, i) => {
    const prefix = u.path ? `${u.path}[${i}].` : '';
    const unit: UnitOutcome = {
      serial: str(readPath(node, u.serial), prefix + u.serial, 'units.serial', true),
      result: u.result ? result(readPath(node, u.result), prefix + u.result, u.result_map) : 'NONE',
      findings: u.findings ? findings(node, u.findings) : [],
    };
    if (u.position) {
      const pos = Number(readPath(node, u.position));
      if (Number.isInteger(pos)) unit.position = pos;
    }
    return unit;
  });
  const sourceId = mapping.source_id
    ? str(readPath(payload, mapping.source_id), mapping.source_id, 'source_id', true)
    : `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`;
  const event: QualityEvent = {
    profileId,
    sourceEventId: sourceId,
    kind: mapping.kind,
    occurredAt: mapping.occurred_at
      ? toIso(readPath(payload, mapping.occurred_at) ?? receivedAt.toISOString(), mapping.occurred_at)
      : receivedAt.toISOString(),
    result: worstResult(units.map((x) => x.result)),
    context,
    units,
  };
  const lot = mapping.lot ? str(readPath(payload, mapping.lot), mapping.lot, 'lot', false) : undefined;
  const wo = mapping.work_order
    ? str(readPath(payload, mapping.work_order), mapping.work_order, 'work_order', false)
    : undefined;
  if (lot) event.lot = lot;
  if (wo) event.workOrder = wo;
  return event;
}
