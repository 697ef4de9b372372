/** What the store takes on disk and what is left there: for bounds, metrics and `holdgate status`. */
import { existsSync, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : 0);

/** Bytes of the store file and of its write-ahead log (0 for a file not there). */
export function storeFileBytes(storePath: string): { db: number; wal: number } {
  return { db: sizeOf(storePath), wal: sizeOf(`${storePath}-wal`) };
}

/** Bytes an unprivileged process may still write on the store's file system; Infinity when unknown. */
export function freeDiskBytes(storePath: string): number {
  try {
    const s = statfsSync(dirname(storePath));
    return s.bavail * s.bsize;
  } catch {
    // statfs is not available everywhere; callers treat the space as unbounded.
    return Infinity;
  }
}
