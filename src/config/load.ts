/**
 * Loads the YAML config, applies overlays (demo mode) and `--set` overrides, and
 * validates the result once. Every problem is collected and reported together:
 * a plant box must never run on a half-read config.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { configSchema, crossChecks, type Config } from './schema.js';
import { formatIssues } from './issues.js';
import { ErrorCode, HoldgateError } from '../errors.js';

export interface LoadConfigOptions {
  file: string;
  overlays?: readonly string[];
  /** `path.to.key=value` pairs; the value is read as YAML (so `0`, `true`, `[a]` work). */
  sets?: readonly string[];
}

type Plain = Record<string, unknown>;

function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Overlays replace lists and scalars and merge maps, so an overlay only states what differs. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v) : v;
  return out;
}

/** Reads one YAML file; syntax errors come back as `file:line:col: problem` lines. */
export function readYamlFile(file: string, errors: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    errors.push(
      `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}; check the path)`,
    );
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
      errors.push(`${where}: ${e.message.split('\n')[0]} (fix the YAML syntax)`);
    }
    return undefined;
  }
  return doc.toJS() ?? {};
}

function applySet(target: unknown, assignment: string, errors: string[]): unknown {
  const eq = assignment.indexOf('=');
  if (eq <= 0) {
    errors.push(`--set ${assignment}: expected path=value (e.g. --set http.port=0)`);
    return target;
  }
  const path = assignment.slice(0, eq).split('.');
  const valueDoc = parseDocument(assignment.slice(eq + 1));
  const value: unknown = valueDoc.errors.length > 0 ? assignment.slice(eq + 1) : valueDoc.toJS();
  let patch: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) patch = { [path[i] as string]: patch };
  return deepMerge(target, patch);
}

/** Validates an already-merged raw object; returns the config or every problem found. */
export function validateConfig(raw: unknown): { config?: Config; errors: string[] } {
  const parsed = configSchema.safeParse(raw ?? {});
  const errors = [...(parsed.success ? [] : formatIssues(parsed.error.issues)), ...crossChecks(raw)];
  if (parsed.success && errors.length === 0) return { config: Object.freeze(parsed.data), errors };
  return { errors };
}

/** File + overlays + `--set` merged, before validation; read problems go to `errors`. */
export function readRawConfig(opts: LoadConfigOptions, errors: string[]): unknown {
  let raw = readYamlFile(opts.file, errors);
  for (const overlay of opts.overlays ?? []) raw = deepMerge(raw ?? {}, readYamlFile(overlay, errors) ?? {});
  for (const s of opts.sets ?? []) raw = applySet(raw ?? {}, s, errors);
  return raw;
}

export function loadConfig(opts: LoadConfigOptions): Config {
  const errors: string[] = [];
  const raw = readRawConfig(opts, errors);
  if (errors.length === 0) {
    const result = validateConfig(raw);
    if (result.config) return result.config;
    errors.push(...result.errors);
  }
  throw configError(errors);
}

export function configError(errors: readonly string[]): HoldgateError {
  return new HoldgateError(
    ErrorCode.CONFIG_INVALID,
    `configuration is not valid (${errors.length} problem${errors.length === 1 ? '' : 's'})`,
    errors,
  );
}
