/**
 * `holdgate sync status | exceptions | retry TARGET SEQ | resolve TARGET SEQ --reason R`:
 * the ERP link from the shell, on the store (works while the daemon runs; it picks a
 * requeued row up at its next poll). Exit 0 ok, 1 nothing to act on, 2 usage.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { openStore } from '../store/db.js';
import { createRepos } from '../containment/repos.js';
import { Deliveries } from '../sync/deliveries.js';
import { resolveException, retryException } from '../sync/service.js';
import { printConfigError } from './output.js';
import { isDomainError } from '../errors.js';

export function syncCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      store: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [sub, target, seqText] = positionals;
  let path = values.store;
  if (!path) {
    const file = values.config ?? process.env.HOLDGATE_CONFIG ?? '/etc/holdgate/holdgate.yaml';
    try {
      path = loadConfig({ file }).store.path;
    } catch (err) {
      return printConfigError(err, file);
    }
  }
  const { db, storeId } = openStore({ path });
  try {
    const deliveries = new Deliveries(db);
    const actor = { type: 'user' as const, id: `cli:${process.env.SUDO_USER ?? process.env.USER ?? 'root'}` };
    switch (sub) {
      case 'status': {
        const rows = deliveries.status();
        if (values.json) console.log(JSON.stringify(rows));
        else if (rows.length === 0)
          console.log('no sync deliveries yet (no target enabled, or nothing queued)');
        else
          for (const s of rows)
            console.log(
              `${s.target}: ${s.queued} queued, ${s.dead} in the exception queue, ${s.acked} acknowledged${s.oldestQueuedAt ? `, oldest queued since ${s.oldestQueuedAt}` : ''}`,
            );
        return 0;
      }
      case 'exceptions': {
        const rows = deliveries.exceptions();
        console.log(
          values.json
            ? JSON.stringify(rows)
            : rows
                .map(
                  (r) =>
                    `${String(r.target)} #${String(r.seq)} ${String(r.type)} ${String(r.orderingKey)}: ${String(r.lastError)}`,
                )
                .join('\n') || 'the exception queue is empty',
        );
        return 0;
      }
      case 'retry':
      case 'resolve': {
        const seq = Number(seqText);
        if (!target || !Number.isInteger(seq)) return usage();
        if (sub === 'resolve' && !values.reason) return usage('resolve needs --reason');
        const r = createRepos(db, 'cli', storeId);
        const at = new Date().toISOString();
        try {
          db.transaction(() =>
            sub === 'retry'
              ? retryException(r, target, seq, undefined, actor, at)
              : resolveException(r, target, seq, values.reason!, actor, at),
          ).immediate();
        } catch (err) {
          if (!isDomainError(err)) throw err;
          console.error(err.message);
          return 1;
        }
        console.log(`${target} #${seq}: ${sub === 'retry' ? 'queued again' : 'resolved'}`);
        return 0;
      }
      case undefined:
      default:
        return usage();
    }
  } finally {
    db.close();
  }
}

function usage(msg?: string): number {
  if (msg) console.error(msg);
  console.error(
    'usage: holdgate sync status|exceptions [--json] | sync retry TARGET SEQ | sync resolve TARGET SEQ --reason TEXT [--config FILE | --store PATH]',
  );
  return 2;
}
