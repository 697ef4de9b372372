/**
 * Reads every *.yaml in a folder and validates each against a schema; problems are
 * reported as `file: path: problem`, ids must be unique. Shared by device and sync profiles.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { readYamlFile } from '../config/load.js';
import { formatIssues } from '../config/issues.js';

export function readProfileDir<S extends z.ZodType<{ id: string }>>(
  dir: string,
  schema: S,
  configKey: string,
  errors: string[],
): { spec: z.output<S>; file: string }[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (err) {
    errors.push(
      `${configKey}: cannot read ${dir} (${(err as NodeJS.ErrnoException).code}; create it or fix the path)`,
    );
    return [];
  }
  const out: { spec: z.output<S>; file: string }[] = [];
  const seen = new Map<string, string>();
  for (const name of files) {
    const file = join(dir, name);
    const raw = readYamlFile(file, errors);
    if (raw === undefined) continue;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      errors.push(...formatIssues(parsed.error.issues).map((line) => `${file}: ${line}`));
      continue;
    }
    const previous = seen.get(parsed.data.id);
    if (previous) {
      errors.push(
        `${file}: id: '${parsed.data.id}' is already used by ${previous} (give each profile its own id)`,
      );
      continue;
    }
    seen.set(parsed.data.id, file);
    out.push({ spec: parsed.data, file });
  }
  return out;
}
