/**
 * systemd's notify protocol (Type=notify): READY when the gateway serves, WATCHDOG while
 * it is healthy, STOPPING when it shuts down. Node has no unix datagram socket, so each
 * message is sent by Debian's `systemd-notify` as a child process (the unit sets
 * NotifyAccess=all). Without --no-block, systemd-notify waits until systemd has read the
 * message (a barrier), so a message is never lost because its short-lived sender exited
 * before systemd could attribute it to the service. Outside systemd (no NOTIFY_SOCKET)
 * nothing is sent.
 */
import { execFile } from 'node:child_process';
import type { Logger } from '../log.js';

export class SystemdNotifier {
  private watchdog?: NodeJS.Timeout;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly bin = 'systemd-notify',
  ) {}

  get enabled(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET);
  }

  ready(status: string): Promise<void> {
    return this.send(['--ready', `--pid=${process.pid}`, `--status=${status}`]);
  }

  /** Pings at half of WatchdogSec while `healthy()` holds; a hung or unhealthy daemon is restarted. */
  startWatchdog(healthy: () => boolean): void {
    const usec = Number(this.env.WATCHDOG_USEC);
    if (!this.enabled || !Number.isFinite(usec) || usec <= 0) return;
    const pid = Number(this.env.WATCHDOG_PID);
    if (Number.isFinite(pid) && pid > 0 && pid !== process.pid) return; // meant for another process
    this.watchdog = setInterval(
      () => {
        if (healthy()) void this.send(['WATCHDOG=1']);
        else this.log.warn('not healthy: watchdog ping withheld');
      },
      Math.max(100, usec / 2000),
    );
    this.watchdog.unref();
  }

  stopping(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    return this.send(['STOPPING=1', '--status=stopping']);
  }

  /** Messages go one after another, in order; a failure is logged, never fatal. */
  private send(args: string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.pending = this.pending.then(
      () =>
        new Promise<void>((resolve) => {
          execFile(this.bin, args, { env: this.env, timeout: 10_000 }, (err, _out, stderr) => {
            if (err)
              this.log.warn({ args, err: err.message, stderr: stderr.trim() }, 'systemd-notify failed');
            resolve();
          });
        }),
    );
    return this.pending;
  }
}
