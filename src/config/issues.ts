/**
 * Turns zod issues into `path: problem (how to fix)` lines, the one format every
 * config and profile error is reported in.
 */
import type { z } from 'zod';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** The message with a hint appended when zod's own text does not say what to do. */
function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      // A custom message (set in the schema) already names the fix.
      if (!issue.message.startsWith('Invalid input')) return issue.message;
      // zod 4's default text is "Invalid input: expected number, received string".
      const received = /received (\w+)/.exec(issue.message)?.[1];
      const got =
        received === undefined || received === 'undefined'
          ? 'nothing'
          : received === 'array'
            ? 'a list'
            : received;
      return `expected ${issue.expected}, got ${got} (set it to a ${issue.expected})`;
    }
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling)`;
    case 'invalid_value':
      if (!issue.message.startsWith('Invalid')) return issue.message;
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (pick one)`;
    case 'invalid_union':
      return `${issue.message} (see the documented forms for this setting)`;
    case 'custom':
    case 'invalid_element':
    case 'invalid_format':
    case 'invalid_key':
    case 'not_multiple_of':
    case 'too_big':
    case 'too_small':
      return issue.message;
  }
}

export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): string[] {
  return issues.map((issue) => {
    const where = formatPath([...prefix, ...issue.path]);
    return `${where}: ${describe(issue)}`;
  });
}
