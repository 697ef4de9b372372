/**
 * Secrets that must stay plain (broker and ERP passwords, HMAC keys) are referenced
 * from the config, never written in it: `{ env: NAME }` or `{ file: /path }`.
 */
import { readFileSync } from 'node:fs';

export type SecretRef = { env: string } | { file: string };

/** Returns the secret, or throws an Error whose message names the fix. */
export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '')
      throw new Error(
        `environment variable ${ref.env} is not set (export it, or use { file: /path } instead)`,
      );
    return value;
  }
  try {
    // Trailing newlines come from editors and `echo`, never from the secret.
    return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new Error(
      `cannot read ${ref.file} (${(err as NodeJS.ErrnoException).code ?? String(err)}; check the path and permissions)`,
    );
  }
}
