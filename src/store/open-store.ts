// Opens the store named by `database.url`, whichever implementation serves its scheme: sqlite: or postgres:.
import type { ResponseStore } from './response-store.js';
import type { DatabaseOptions } from './sqlite/open-database.js';
import { openPostgresStore } from './postgres/open-postgres-store.js';
import { openSqliteStore } from './sqlite/open-sqlite-store.js';

export async function openStore(
  options: DatabaseOptions,
  onError: (message: string) => void = () => undefined,
  /** Told when writes start and stop waiting for another process's lock on the store. */
  onWarning: (message: string) => void = () => undefined,
): Promise<ResponseStore> {
  if (options.url.startsWith('sqlite:')) return openSqliteStore(options, onError, onWarning);
  if (/^postgres(ql)?:\/\//.test(options.url)) return openPostgresStore(options, onError);
  throw new Error(`database.url: sqlite: or postgres:// URLs are supported (got "${options.url.split(':')[0]}:")`);
}
