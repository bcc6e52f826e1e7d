// The checkpointer thread folds the WAL into the database file, so commits on the main thread never have to.
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from './start-checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function walDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'junction-ckpt-'));
  dirs.push(dir);
  const path = join(dir, 'test.db');
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v TEXT)');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { db, path };
}

async function until(condition: () => boolean): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

describe('startCheckpointer', () => {
  it('moves committed pages from the WAL into the database file in the background', async () => {
    const { db, path } = walDatabase();
    const before = statSync(path).size;
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 100; i++) insert.run('x'.repeat(10_000));
    })();
    // With auto-checkpoint off, the rows are only in the WAL.
    expect(statSync(path).size).toBe(before);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1_000_000);

    const errors: string[] = [];
    const checkpointer = startCheckpointer(path, (m) => errors.push(m), 20);
    expect(await until(() => statSync(path).size > 1_000_000)).toBe(true);
    await checkpointer.stop();
    expect(errors).toEqual([]);
    db.close();
  });

  it('truncates the WAL when stopped, leaving the database file complete on its own', async () => {
    const { db, path } = walDatabase();
    db.prepare('INSERT INTO t (v) VALUES (?)').run('kept');
    // The writer stays open (closing the last connection would checkpoint by itself).
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    const checkpointer = startCheckpointer(path, () => undefined, 60_000);
    await checkpointer.stop();
    expect(statSync(`${path}-wal`).size).toBe(0);
    // The database file alone, without its WAL, holds the row.
    const copy = join(dirs.at(-1)!, 'copy.db');
    copyFileSync(path, copy);
    db.close();
    const reopened = new SQLite(copy, { readonly: true });
    expect(reopened.prepare('SELECT v FROM t').all()).toEqual([{ v: 'kept' }]);
    reopened.close();
  });
});
