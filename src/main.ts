/**
 * Process entry: argv → command. Nothing imports this file. Exit codes a script can
 * rely on: 0 ok, 1 runtime failure, 2 invalid config or usage, 70 internal error.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { VERSION } from './version.js';
import { runCommand } from './cli/run.js';
import { checkConfigCommand } from './cli/check-config.js';
import { hashPasswordCommand } from './cli/hash-password.js';
import { auditCommand } from './cli/audit.js';
import { accessCommand } from './cli/access.js';
import { syncCommand } from './cli/sync.js';
import { simulateCommand, SIMULATE_USAGE } from './cli/simulate.js';
import { backupCommand, migrateCommand, restoreCommand } from './cli/store-ops.js';
import { statusCommand } from './cli/status.js';

const USAGE = `holdgate ${VERSION} — quality-hold edge gateway

Usage:
  holdgate run [--config FILE] [--overlay FILE]... [--set key=value]... [--demo]
  holdgate check-config [FILE] [--overlay FILE]... [--set key=value]...
  ${SIMULATE_USAGE}
  holdgate audit verify [--config FILE] [--store PATH]
  holdgate users add USERNAME --name NAME --roles R1,R2 [--plants P] [--families F] [--password-stdin] [--badge B --pin-stdin]
  holdgate tokens create --name NAME (--roles R1,R2 | --user USERNAME) [--plants P] [--families F] [--expires ISO]
  holdgate tokens revoke ID
  holdgate sync status|exceptions [--json] | sync retry TARGET SEQ | sync resolve TARGET SEQ --reason TEXT
  holdgate status [--config FILE] [--json]   (exit 0 ready, 1 not ready, 3 not running)
  holdgate backup FILE [--config FILE]       (online, while the daemon runs)
  holdgate backup --dir DIR [--keep N]       (holdgate-<UTC time>.db, keeps the newest N, default 7)
  holdgate restore FILE [--config FILE]      (daemon stopped; renews the store id)
  holdgate migrate [--config FILE]           (daemon stopped)
  holdgate hash-password < password.txt   (prints a scrypt hash for mqtt.devices)
  holdgate --version

Options:
  --config FILE    config file (default: $HOLDGATE_CONFIG or /etc/holdgate/holdgate.yaml)
  --overlay FILE   merged over the config (e.g. config/demo.yaml); may repeat
  --set key=value  override one setting, e.g. --set http.port=0; may repeat
  --demo           (run) also drive the simulated line against this daemon's broker
`;

// The ingest path allocates many short-lived objects per message; a larger young
// generation lets them die young (measured here: +10-15 % ingest rate). NODE_OPTIONS or
// an explicit flag still wins.
if (!/max-semi-space-size/.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`))
  setFlagsFromString('--max-semi-space-size=32');

async function main(argv: string[]): Promise<number> {
  // simulate has its own options.
  if (argv[0] === 'simulate') return simulateCommand(argv.slice(1));
  if (argv[0] === 'users' || argv[0] === 'tokens') return accessCommand(argv[0], argv.slice(1));
  if (argv[0] === 'sync') return syncCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      overlay: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
      demo: { type: 'boolean', default: false },
      store: { type: 'string' },
      json: { type: 'boolean', default: false },
      dir: { type: 'string' },
      keep: { type: 'string' },
    },
  });
  if (values.version) {
    console.log(VERSION);
    return 0;
  }
  const [command, ...rest] = positionals;
  const file = values.config ?? rest[0] ?? process.env.HOLDGATE_CONFIG ?? '/etc/holdgate/holdgate.yaml';
  const opts = { file, overlays: values.overlay ?? [], sets: values.set ?? [] };
  // Commands whose positional argument is not a config file.
  const configOnly = {
    ...opts,
    file: values.config ?? process.env.HOLDGATE_CONFIG ?? '/etc/holdgate/holdgate.yaml',
  };
  switch (command) {
    case 'run':
      return runCommand(opts, { demoLine: values.demo });
    case 'check-config':
      return checkConfigCommand(opts);
    case 'audit':
      return auditCommand(rest[0], configOnly, values.store);
    case 'status':
      return statusCommand(configOnly, values.json);
    case 'backup':
      return backupCommand(configOnly, rest[0], { dir: values.dir, keep: values.keep });
    case 'restore':
      return restoreCommand(configOnly, rest[0]);
    case 'migrate':
      return migrateCommand(configOnly);
    case 'hash-password':
      return hashPasswordCommand();
    case undefined:
    case 'help':
      console.log(USAGE);
      return values.help || command === 'help' ? 0 : 2;
    default:
      console.error(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

// `holdgate simulate --dry-run | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS') ? 2 : 70;
  },
);
