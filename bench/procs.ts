/** Child processes for the benchmark: TypeScript scripts run through tsx, JSON lines read back. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

export const BENCH_DIR = import.meta.dirname;

export interface Proc {
  child: ChildProcess;
  /** Resolves with the first stdout line that satisfies `pred`. */
  line(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export function spawnScript(script: string, args: string[]): Proc {
  return wrap(
    spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
}

export function wrap(child: ChildProcess): Proc {
  const lines: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(l);
      for (const w of waiters.splice(0)) {
        if (w.pred(l)) w.resolve(l);
        else waiters.push(w);
      }
    }
  });
  return {
    child,
    line(pred, timeoutMs = 120_000) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for output of pid ${child.pid}`)),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`pid ${child.pid} exited (${code}) before the expected output`));
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Percentile picker over a copy of the samples, sorted once (nearest-rank). */
export function percentiles(samples: ArrayLike<number>): (p: number) => number {
  const sorted = Float64Array.from(samples).sort();
  return (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function rssMb(pid: number): number {
  // VmRSS from /proc: the daemon's resident memory right after the ingest run.
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
