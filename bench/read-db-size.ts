// The store's size as the gateway left it: live pages of the SQLite file read through a read-only connection (so WAL frames count), and the files on disk.
import { existsSync, statSync } from 'node:fs';
import SQLite from 'better-sqlite3';

export interface DbSize {
  /** (page_count − freelist_count) × page_size, as seen with the WAL applied. */
  liveBytes: number;
  /** The database file plus its -wal file. */
  fileBytes: number;
}

export function readDbSize(file: string): DbSize {
  const onDisk = (f: string): number => (existsSync(f) ? statSync(f).size : 0);
  const fileBytes = onDisk(file) + onDisk(`${file}-wal`);
  if (!existsSync(file)) return { liveBytes: 0, fileBytes };
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const pages = Number(db.pragma('page_count', { simple: true }));
    const free = Number(db.pragma('freelist_count', { simple: true }));
    const size = Number(db.pragma('page_size', { simple: true }));
    return { liveBytes: (pages - free) * size, fileBytes };
  } finally {
    db.close();
  }
}
