/** Holds and decisions made the way the Tryton tests need them, and the Tryton target they sync to. */
import { syncTarget } from './gateway.js';
import type { PlacedHold } from '../../src/containment/commands.js';
import { createDisposition } from '../../src/containment/dispositions.js';
import { executeDisposition } from '../../src/containment/disposition-effects.js';
import type { Repos } from '../../src/containment/repos.js';
import type { DispositionAction } from '../../src/holds/disposition.js';

export const actor = { type: 'user' as const, id: 'qe' };
export const now = () => new Date().toISOString();

/** The Tryton target as a sync profile file says it (the password comes from the environment). */
export function trytonTargetSpec(
  url: string,
  database: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  process.env.HOLDGATE_TEST_TRYTON_PASSWORD = 'admin';
  return {
    id: 'tryton',
    kind: 'tryton',
    url,
    database,
    password: { env: 'HOLDGATE_TEST_TRYTON_PASSWORD' },
    prepare: true,
    types: ['HOLD_LINE_PLACED', 'HOLD_LINE_RELEASED', 'HOLD_LINE_VOIDED', 'SCRAP', 'RETURN_TO_SUPPLIER'],
    batch: { max_rows: 25 },
    concurrency: 2,
    retry: { base_ms: 100, max_ms: 1000 },
    circuit: { failures: 1000, open_ms: 200 },
    inbound: { interval_s: 3600 },
    ...extra,
  };
}

export function trytonTarget(url: string, database: string, extra: Record<string, unknown> = {}) {
  return syncTarget(trytonTargetSpec(url, database, extra));
}

/**
 * The effects of an approved decision (approval routes and signatures have their own tests):
 * the same code path that runs after the last signature.
 */
export function dispose(r: Repos, h: PlacedHold, slices: [DispositionAction, number][]): void {
  const id = createDisposition(r, {
    holdId: h.holdId,
    slices: slices.map(([action, quantity]) => ({
      lineId: h.lineIds[0]!,
      action,
      quantity,
      reasonCode: action === 'SCRAP' || action === 'RETURN_TO_SUPPLIER' ? 'DEFECT' : undefined,
    })),
    actor,
    at: now(),
  });
  executeDisposition(r, id, actor, now());
}
