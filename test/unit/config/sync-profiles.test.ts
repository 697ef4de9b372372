import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSyncTargets } from '../../../src/config/settings.js';
import { REPO } from '../../helpers/gateway.js';

describe('sync target profiles', () => {
  it('loads the shipped REST and Tryton examples with their defaults', () => {
    const errors: string[] = [];
    const targets = loadSyncTargets(join(REPO, 'sync'), errors);
    expect(errors).toEqual([]);
    expect(targets.map((t) => [t.id, t.kind, t.enabled])).toEqual([
      ['erp-rest', 'rest', false],
      ['tryton', 'tryton', false],
    ]);
    expect(targets[1]).toMatchObject({
      locations: { warehouse: 'WH', hold: 'QHOLD', scrap: 'SCRAP' },
      batch: { max_rows: 25 },
      concurrency: 2,
      inbound: { enabled: true, interval_s: 300 },
      prepare: false,
    });
  });

  it('names the field and the fix for a bad Tryton profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'holdgate-sync-'));
    writeFileSync(join(dir, 'a.yaml'), 'id: erp\nkind: tryton\nurl: not-a-url\ntypes: [SCRAP]\n');
    writeFileSync(join(dir, 'b.yaml'), 'id: other\nkind: sap\nurl: http://x\ntypes: [SCRAP]\n');
    const errors: string[] = [];
    loadSyncTargets(dir, errors);
    const text = errors.join('\n');
    expect(text).toMatch(/a\.yaml.*url.*must be an http\(s\) URL/);
    expect(text).toMatch(/a\.yaml.*database/);
    expect(text).toMatch(/a\.yaml.*password/);
    expect(text).toMatch(/b\.yaml.*kind must be rest or tryton/);
  });
});
