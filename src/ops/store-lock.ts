/**
 * Which process owns a store: `<store>.lock` holds the daemon's PID while it runs. A
 * second daemon on the same store is refused; restore and migrate refuse while the owner
 * lives. A lock left by a killed process (kill -9, power loss) is stale and taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, HoldgateError } from '../errors.js';

export const lockPath = (store: string) => `${store}.lock`;

/** The live process holding the store, if any (never this process's own PID reported as foreign). */
export function storeOwner(store: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPath(store), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user — still alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  try {
    // A reused PID that is not a Node process does not own the store.
    if (!/node|holdgate/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) return undefined;
  } catch {
    // no /proc: trust the liveness check
  }
  return pid;
}

export function claimStore(store: string): void {
  const owner = storeOwner(store);
  if (owner !== undefined && owner !== process.pid)
    throw new HoldgateError(
      ErrorCode.STORE_IN_USE,
      `the store ${store} is used by another Holdgate (pid ${owner}); stop it first (systemctl stop holdgate)`,
    );
  mkdirSync(dirname(store), { recursive: true });
  writeFileSync(lockPath(store), `${process.pid}\n`);
}

export function releaseStore(store: string): void {
  if (storeOwner(store) === process.pid) rmSync(lockPath(store), { force: true });
}
