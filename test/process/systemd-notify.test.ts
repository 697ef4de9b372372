/**
 * Type=notify as systemd sees it: READY once the daemon serves (and /readyz agrees),
 * WATCHDOG pings at half of WatchdogSec, STOPPING on SIGTERM, then exit 0.
 */
import { expect, it } from 'vitest';
import { tempDir } from '../helpers/gateway.js';
import { HOLDGATE_BIN, signal, spawnDaemon, writeDaemonConfig } from '../helpers/daemon.js';
import { startNotifySocket } from '../helpers/notify-socket.js';

it('sends READY after the daemon serves, WATCHDOG while healthy, STOPPING on SIGTERM', async () => {
  const tmp = tempDir();
  const socket = await startNotifySocket(tmp.dir);
  const d = spawnDaemon(process.execPath, [HOLDGATE_BIN, 'run', '--config', writeDaemonConfig(tmp.dir)], {
    env: { ...process.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '400000' },
  });
  try {
    const { httpPort } = await d.ready;
    await expect
      .poll(() => socket.messages.some((m) => m.includes('READY=1')), { timeout: 10_000 })
      .toBe(true);
    const ready = socket.messages.find((m) => m.includes('READY=1'))!;
    expect(ready).toContain(`MAINPID=${d.proc.pid}`);
    expect(ready).toMatch(/STATUS=serving: MQTT \d+, HTTP \d+/);
    // READY is only sent once everything is up.
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    await expect
      .poll(() => socket.messages.filter((m) => m.includes('WATCHDOG=1')).length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    signal(d, 'SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
    const stopping = socket.messages.findIndex((m) => m.includes('STOPPING=1'));
    expect(stopping).toBeGreaterThan(socket.messages.indexOf(ready));
  } finally {
    signal(d, 'SIGKILL');
    socket.stop();
    tmp.cleanup();
  }
});
