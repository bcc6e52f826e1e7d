// A backup either lands whole under its name or leaves nothing there; and it refuses the copies that would do harm.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { backupDatabase, BackupError, sqlitePathOf } from './backup-database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'junction-backup-'));
  dirs.push(dir);
  return dir;
}

/** A WAL database with a `responses` table and rows still in its WAL (no checkpoint), as a running gateway leaves it. */
function liveDatabase(dir: string): { path: string; db: SQLite.Database } {
  const path = join(dir, 'junction.db');
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE responses (id TEXT PRIMARY KEY, response_json TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO responses VALUES (?, ?)');
  for (let i = 0; i < 50; i++) insert.run(`resp_${i}`, '{}');
  return { path, db };
}

describe('backupDatabase', () => {
  it('copies what is still in the WAL, into one self-contained file', async () => {
    const dir = tempDir();
    const { path, db } = liveDatabase(dir);
    const result = await backupDatabase(path, join(dir, 'copy.db'));
    expect(result).toMatchObject({ file: join(dir, 'copy.db'), responses: 50 });
    db.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('copy') || f.includes('partial'))).toEqual(['copy.db']);
    const copy = new SQLite(join(dir, 'copy.db'), { readonly: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(copy.prepare('SELECT count(*) AS n FROM responses').get()).toEqual({ n: 50 });
    copy.close();
  });

  it('copies the snapshot taken when it began, step after step, while another connection keeps committing', async () => {
    const dir = tempDir();
    const { path, db } = liveDatabase(dir);
    db.prepare('INSERT INTO responses SELECT id || \'-big\', hex(randomblob(2000)) FROM responses').run();
    const atStart = (db.prepare('SELECT count(*) AS n FROM responses').get() as { n: number }).n;
    // A commit between every two steps (one page each): the API's own read transactions would start over each time.
    // The snapshot is taken before backupDatabase first yields, so before the writer starts.
    let done = false;
    const backup = backupDatabase(path, join(dir, 'copy.db'), { stepPages: 1 }).finally(() => (done = true));
    let written = 0;
    const insert = db.prepare('INSERT INTO responses VALUES (?, ?)');
    while (!done) {
      insert.run(`resp_late_${written++}`, '{}');
      await new Promise((r) => setImmediate(r));
    }
    const result = await backup;
    expect(written).toBeGreaterThan(10);
    expect(result.responses).toBe(atStart);
    db.close();
  });

  it('a backup that fails leaves no file under the name, and an older backup there untouched', async () => {
    const dir = tempDir();
    const notADatabase = join(dir, 'junction.db');
    writeFileSync(notADatabase, 'this is not an SQLite file, but it is long enough to look like one at first glance'.repeat(100));
    const target = join(dir, 'backup.db');
    writeFileSync(target, 'the previous backup');
    await expect(backupDatabase(notADatabase, target)).rejects.toThrow(BackupError);
    expect(readFileSync(target, 'utf8')).toBe('the previous backup');
    expect(readdirSync(dir).sort()).toEqual(['backup.db', 'junction.db']);
  });

  it('refuses the database itself as the target, and a target with a -wal beside it', async () => {
    const dir = tempDir();
    const { path, db } = liveDatabase(dir);
    await expect(backupDatabase(path, path)).rejects.toThrow(/is the database itself/);
    await expect(backupDatabase(path, `${path}-wal`)).rejects.toThrow(/is the database itself/);
    writeFileSync(join(dir, 'old.db-wal'), 'stale');
    await expect(backupDatabase(path, join(dir, 'old.db'))).rejects.toThrow(/old\.db-wal exists/);
    db.close();
  });
});

describe('sqlitePathOf', () => {
  it('reads the file of a sqlite: URL and names the right tools for the others', () => {
    expect(sqlitePathOf('sqlite:/var/lib/junction/junction.db')).toBe('/var/lib/junction/junction.db');
    expect(() => sqlitePathOf('postgresql://u@h/db')).toThrow(/pg_dump.*pg_basebackup/);
    expect(() => sqlitePathOf('sqlite::memory:')).toThrow(/no file to back up/);
    expect(() => sqlitePathOf('mysql://h/db')).toThrow(/only sqlite:/);
  });
});
