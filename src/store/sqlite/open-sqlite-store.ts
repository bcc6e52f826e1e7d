// Opens (and migrates) the SQLite database behind `database.url` and returns it as a ResponseStore.
import type { ResponseStore } from '../response-store.js';
import { createSqliteStore } from './create-sqlite-store.js';
import { openDatabase, type DatabaseOptions } from './open-database.js';

export async function openSqliteStore(
  options: DatabaseOptions,
  onError: (message: string) => void = () => undefined,
  /** Told when writes start and stop waiting for a write lock another process holds. */
  onWarning: (message: string) => void = () => undefined,
): Promise<ResponseStore> {
  return createSqliteStore(await openDatabase(options, onError, onWarning));
}
