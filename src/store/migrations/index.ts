/**
 * Numbered migrations, applied in order at start. The number is stored as SQLite's
 * user_version; each migration runs in its own transaction. Kept as TS modules (not
 * .sql files) so the single-file executable carries them without a file system.
 */
import { sql as m001 } from './001-event-log.js';
import { sql as m002 } from './002-containment.js';
import { sql as m003 } from './003-access-orders.js';
import { sql as m004 } from './004-disposition.js';
import { sql as m005 } from './005-exceptions.js';
import { sql as m006 } from './006-sync.js';
import { sql as m007 } from './007-erp-conflicts.js';
import { sql as m008 } from './008-units-lot-partial.js';
import { sql as m009 } from './009-decisions-attached.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'event-log', sql: m001 },
  { version: 2, name: 'containment', sql: m002 },
  { version: 3, name: 'access-orders', sql: m003 },
  { version: 4, name: 'disposition', sql: m004 },
  { version: 5, name: 'exceptions', sql: m005 },
  { version: 6, name: 'sync', sql: m006 },
  { version: 7, name: 'erp-conflicts', sql: m007 },
  { version: 8, name: 'units-lot-partial', sql: m008 },
  { version: 9, name: 'decisions-attached', sql: m009 },
];

export const LATEST_VERSION = MIGRATIONS.length;
