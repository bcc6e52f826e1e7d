// The writer thread: batches commit as one transaction on its own connection, and it checkpoints the WAL, not the main thread.
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { startWriteWorker } from './start-write-worker.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A WAL database whose own connection, like the gateway's main one, never checkpoints. */
function walDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'junction-writer-'));
  dirs.push(dir);
  const path = join(dir, 'test.db');
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v TEXT NOT NULL)');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { db, path, dir };
}

const insert = (v: string | null) => CompiledQuery.raw('INSERT INTO t (v) VALUES (?)', [v]);
const rows = (db: SQLite.Database) => db.prepare('SELECT v FROM t').all();

describe('startWriteWorker', () => {
  it('commits a batch before resolving, visible to the main connection', async () => {
    const { db, path } = walDatabase();
    const writer = startWriteWorker(path, 'full');
    await writer.run([insert('a'), insert('b')]);
    expect(rows(db)).toEqual([{ v: 'a' }, { v: 'b' }]);
    await writer.stop();
    db.close();
  });

  it('rolls the whole batch back and rejects when one statement fails', async () => {
    const { db, path } = walDatabase();
    const writer = startWriteWorker(path, 'full');
    await expect(writer.run([insert('a'), insert(null)])).rejects.toThrow(/NOT NULL/);
    expect(rows(db)).toEqual([]);
    await writer.run([insert('c')]);
    expect(rows(db)).toEqual([{ v: 'c' }]);
    await writer.stop();
    db.close();
  });

  it('checkpoints the WAL on its own thread as it commits', async () => {
    const { db, path } = walDatabase();
    const before = statSync(path).size;
    const writer = startWriteWorker(path, 'normal');
    // More than SQLite's auto-checkpoint threshold (1000 pages, about 4 MB).
    for (let i = 0; i < 60; i++) await writer.run([insert('x'.repeat(100_000))]);
    expect(statSync(path).size).toBeGreaterThan(before + 3_000_000);
    await writer.stop();
    db.close();
  });

  it('truncates the WAL when stopped, leaving the database file complete on its own', async () => {
    const { db, path, dir } = walDatabase();
    const writer = startWriteWorker(path, 'full');
    await writer.run([insert('kept')]);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    await writer.stop();
    expect(statSync(`${path}-wal`).size).toBe(0);
    // The database file alone, without its WAL, holds the row.
    copyFileSync(path, join(dir, 'copy.db'));
    db.close();
    const copy = new SQLite(join(dir, 'copy.db'), { readonly: true });
    expect(rows(copy)).toEqual([{ v: 'kept' }]);
    copy.close();
  });
});
