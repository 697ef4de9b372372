/**
 * `holdgate run`: the daemon. Loads and checks everything, starts the gateway,
 * stops cleanly on SIGTERM/SIGINT (exit 0), and exits non-zero on a fatal error
 * rather than carrying on in an unknown state (systemd restarts it).
 */
import { loadSettings } from '../config/settings.js';
import { createLogger } from '../log.js';
import { Gateway } from '../gateway.js';
import { VERSION } from '../version.js';
import type { LoadConfigOptions } from '../config/load.js';
import { printConfigError } from './output.js';
import { DEFAULT_SIM } from '../sim/plant.js';
import { publishSimulation } from '../sim/publish.js';
import type { Logger } from '../log.js';
import { SystemdNotifier } from '../ops/systemd.js';

/** `--demo`: a simulated line publishing to this daemon's own broker, paced like a real one. */
function startDemoLine(gateway: Gateway, log: Logger): void {
  const port = gateway.mqttPort;
  if (port === undefined || gateway.config.gateway.mode !== 'demo') {
    log.error('--demo needs demo mode and the embedded broker with its plain TCP listener');
    return;
  }
  const sim = { ...DEFAULT_SIM, seed: Date.now() % 100_000 };
  log.info(
    { seed: sim.seed, units: sim.unitsPerLine * 2 },
    'demo line: simulating two lines (AOI + tester each)',
  );
  publishSimulation(sim, {
    url: `mqtt://127.0.0.1:${port}`,
    rate: 20,
    window: 10,
    clientId: 'holdgate-demo-line',
  }).then(
    (s) => log.info({ messages: s.messages, failedUnits: s.failedUnits }, 'demo line finished'),
    (err: unknown) => log.error({ err }, 'demo line stopped'),
  );
}

const STOP_TIMEOUT_MS = 15_000;

export async function runCommand(
  opts: LoadConfigOptions,
  extra: { demoLine?: boolean } = {},
): Promise<number> {
  let settings;
  try {
    settings = loadSettings(opts);
  } catch (err) {
    return printConfigError(err, 'Refusing to start');
  }
  const { config, profiles, rules, targets } = settings;
  const log = createLogger(config.log.level);
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception; exiting so the supervisor restarts a clean process');
    process.exit(70);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled promise rejection; exiting');
    process.exit(70);
  });

  if (config.gateway.mode === 'demo')
    log.warn(
      { mode: 'demo', store: config.store.path, anonymous: config.mqtt.allow_anonymous },
      'Holdgate is running in DEMO mode: anonymous devices may publish; do not use on a production line',
    );
  log.info(
    {
      version: VERSION,
      mode: config.gateway.mode,
      gatewayId: config.gateway.id,
      profiles: profiles.list.map((p) => p.spec.id),
    },
    'starting',
  );

  const gateway = new Gateway({ config, profiles, rules, targets, log });
  const systemd = new SystemdNotifier(log);
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    log.info({ signal }, 'stopping');
    void systemd.stopping();
    const timer = setTimeout(() => {
      log.error({ timeoutMs: STOP_TIMEOUT_MS }, 'stop took too long; exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    timer.unref();
    stopping = gateway.stop().then(() => {
      clearTimeout(timer);
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await gateway.start();
  } catch (err) {
    log.fatal({ err }, 'start failed');
    await gateway.stop();
    return 1;
  }
  log.info(
    { mqttPort: gateway.mqttPort, httpPort: gateway.httpPort, mode: config.gateway.mode },
    `Holdgate ${VERSION} ready (${config.gateway.mode})`,
  );
  await systemd.ready(`serving: MQTT ${gateway.mqttPort ?? '-'}, HTTP ${gateway.httpPort ?? '-'}`);
  systemd.startWatchdog(() => gateway.readiness().ready);
  if (extra.demoLine) startDemoLine(gateway, log);
  // Keep running until a signal arrives.
  return new Promise<number>(() => undefined);
}
