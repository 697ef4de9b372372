/** Verifies e-signatures against the records they were bound to. */
import { decisionHash } from '../holds/disposition.js';
import type { DispositionRepo } from '../store/disposition-repo.js';

/** Signatures over dispositions whose record changed after signing (same revision, other hash). */
export function brokenSignatures(dispositions: DispositionRepo): { signatureId: string; recordId: string }[] {
  const out: { signatureId: string; recordId: string }[] = [];
  for (const s of dispositions.allSignatures()) {
    if (s.record_type !== 'disposition') continue;
    const [id, rev] = s.record_id!.split('@') as [string, string];
    const d = dispositions.get(id);
    if (!d) {
      out.push({ signatureId: s.id!, recordId: s.record_id! });
      continue;
    }
    // A later revision (after a rejection) supersedes the record; the old signature stays as history.
    if (String(d.revision) !== rev) continue;
    if (decisionHash(dispositions.record(d)) !== s.record_hash)
      out.push({ signatureId: s.id!, recordId: s.record_id! });
  }
  return out;
}
