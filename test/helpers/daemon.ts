/** Spawns `holdgate` as its own process (as systemd or a user would) and reads its JSON log. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO } from './gateway.js';

export interface Daemon {
  proc: ChildProcess;
  logs: string[];
  ready: Promise<{ mqttPort: number; httpPort: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Daemons run in their own process group; make sure none outlives this process (e.g. a timed-out test). */
const live = new Set<number>();
process.once('exit', () => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function spawnDaemon(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Daemon {
  const proc = spawn(command, args, {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so `npm start` and the node it runs can be signalled together.
    detached: true,
  });
  const logs: string[] = [];
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  live.add(proc.pid!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      live.delete(proc.pid!);
      resolve({ code, signal });
    }),
  );
  const ready = new Promise<{ mqttPort: number; httpPort: number }>((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const rec = JSON.parse(line) as { mqttPort?: number; httpPort?: number; msg?: string };
          if (rec.msg?.includes(' ready ')) resolve({ mqttPort: rec.mqttPort!, httpPort: rec.httpPort! });
        } catch {
          // npm prints a plain-text banner before the daemon's JSON lines.
        }
      }
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`daemon exited (${code ?? signal}) before ready:\n${err}`)),
    );
  });
  ready.catch(() => undefined);
  return { proc, logs, ready, exited, stderr: () => err };
}

/** Signals the daemon's whole process group. */
export function signal(d: Daemon, sig: NodeJS.Signals): void {
  try {
    process.kill(-d.proc.pid!, sig);
  } catch {
    // already gone
  }
}

/** Writes a demo-mode config with port 0 and the store in `dir`; returns its path. */
export function writeDaemonConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'holdgate.yaml');
  writeFileSync(
    file,
    stringify({
      gateway: { mode: 'demo' },
      store: { path: join(dir, 'holdgate.db') },
      mqtt: { allow_anonymous: true, embedded: { host: '127.0.0.1', port: 0 } },
      http: { host: '127.0.0.1', port: 0 },
      profiles: { devices_dir: join(REPO, 'devices') },
      containment: { rules_file: join(REPO, 'config', 'rules.yaml') },
      ...extra,
    }),
  );
  return file;
}

export const HOLDGATE_BIN = join(REPO, 'bin', 'holdgate.js');
