/** `holdgate check-config [file]`: the start-up validation without starting. Exit 0 = valid, 2 = invalid. */
import { loadSettings } from '../config/settings.js';
import type { LoadConfigOptions } from '../config/load.js';
import { printConfigError } from './output.js';

export function checkConfigCommand(opts: LoadConfigOptions): number {
  try {
    const { config, profiles } = loadSettings(opts);
    console.log(
      `${opts.file}: valid (mode ${config.gateway.mode}, ${profiles.list.length} device profile${profiles.list.length === 1 ? '' : 's'}: ${profiles.list.map((p) => p.spec.id).join(', ') || 'none'})`,
    );
    return 0;
  } catch (err) {
    return printConfigError(err, `${opts.file}`);
  }
}
