/**
 * The one place better-sqlite3 is constructed. In the single-file executable, require()
 * sees only Node's built-in modules, so the native addon travels as a SEA asset: it is
 * written once under the state directory (systemd's STATE_DIRECTORY, else the temp
 * folder), named by its hash so an upgrade never loads a stale copy, and loaded with
 * process.dlopen. Outside the executable, better-sqlite3 finds its addon as usual.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sea from 'node:sea';

export const SQLITE_ADDON_ASSET = 'better_sqlite3.node';

let addon: object | undefined;

function embeddedAddon(): object | undefined {
  if (!sea.isSea()) return undefined;
  if (addon) return addon;
  const bytes = Buffer.from(sea.getAsset(SQLITE_ADDON_ASSET));
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const dir = join(process.env.STATE_DIRECTORY?.split(':')[0] ?? tmpdir(), 'native', hash);
  const file = join(dir, SQLITE_ADDON_ASSET);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    // Written beside, then renamed: two processes starting at once never load half a file.
    const part = `${file}.${process.pid}`;
    writeFileSync(part, bytes, { mode: 0o640 });
    renameSync(part, file);
  }
  const m = { exports: {} };
  process.dlopen(m, file);
  addon = m.exports;
  return addon;
}

export function openDatabase(path: string, options: Database.Options = {}): Database.Database {
  const nativeBinding = embeddedAddon();
  // better-sqlite3 takes the loaded addon object here (lib/database.js); its types say string only.
  return new Database(
    path,
    nativeBinding ? ({ ...options, nativeBinding } as unknown as Database.Options) : options,
  );
}
