/**
 * `holdgate audit verify`: walks the hash chain of the audit log and every link
 * beside it. Exit 0 = intact, 1 = broken (the first bad entry is named), 2 = usage/config.
 */
import { loadConfig, type LoadConfigOptions } from '../config/load.js';
import { openStore } from '../store/db.js';
import { verifyAuditChain } from '../store/audit-log.js';
import { DispositionRepo } from '../store/disposition-repo.js';
import { brokenSignatures } from '../containment/dispositions.js';
import { printConfigError } from './output.js';

export function auditCommand(sub: string | undefined, opts: LoadConfigOptions, storePath?: string): number {
  if (sub !== 'verify') {
    console.error('usage: holdgate audit verify [--config FILE] [--store PATH]');
    return 2;
  }
  let path = storePath;
  if (!path) {
    try {
      path = loadConfig(opts).store.path;
    } catch (err) {
      return printConfigError(err, opts.file);
    }
  }
  const { db } = openStore({ path, readonly: true });
  try {
    const result = verifyAuditChain(db);
    const broken = brokenSignatures(new DispositionRepo(db));
    for (const b of broken)
      console.error(
        `signature ${b.signatureId} does NOT verify: record ${b.recordId} changed after it was signed (${path})`,
      );
    if (result.ok) {
      console.log(`audit chain intact: ${result.entries} entries (${path})`);
      return broken.length === 0 ? 0 : 1;
    }
    console.error(`audit chain BROKEN at entry ${result.seq}: ${result.problem} (${path})`);
    return 1;
  } finally {
    db.close();
  }
}
