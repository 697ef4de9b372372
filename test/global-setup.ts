/**
 * Runs once before the suite: makes sure the system programs the real-peer tests
 * need are present. As root it installs missing Debian packages itself
 * (apt-get install -y --no-install-recommends); otherwise it stops and names them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { initTryton } from './helpers/tryton.js';

/** command on PATH → Debian package providing it. Later issues add mosquitto, socat, Tryton. */
export const REQUIRED: Record<string, string> = {
  mosquitto: 'mosquitto',
  openssl: 'openssl',
  curl: 'curl',
  'systemd-analyze': 'systemd',
};

function missing(): [string, string][] {
  return Object.entries(REQUIRED).filter(
    ([cmd]) => spawnSync('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin" command -v ${cmd}`]).status !== 0,
  );
}

export default async function setup(): Promise<void> {
  installMissing();
  // Tryton: packages and the pristine database, once per machine (~25 s, then ~0.1 s).
  await initTryton();
}

function installMissing(): void {
  const absent = missing();
  if (absent.length === 0) return;
  const packages = [...new Set(absent.map(([, pkg]) => pkg))];
  if (process.getuid?.() !== 0)
    throw new Error(
      `The test suite needs these Debian packages: ${packages.join(' ')}.\n` +
        `Install them with: sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`,
    );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
      stdio: 'inherit',
      env,
    });
  } catch {
    // The package lists may be missing on a fresh machine.
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
      stdio: 'inherit',
      env,
    });
  }
  const still = missing();
  if (still.length > 0) throw new Error(`still missing after apt-get: ${still.map(([c]) => c).join(', ')}`);
}
