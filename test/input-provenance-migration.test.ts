// Migration 0002 gives input items stored before it the provenance of the output they copy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationProvider } from '../migrations/index.js';
import { openDatabase } from '../src/store/sqlite/open-database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('migration 0002-input-item-provenance', () => {
  it("fills in an input copy's provider from its output, and leaves the client's own items and another owner's alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'junction-migration-'));
    dirs.push(dir);
    const file = join(dir, 'junction.db');
    const sqlite = new SQLite(file);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo('0001-initial');
    expect(error).toBeUndefined();
    const response = sqlite.prepare(`INSERT INTO responses (id, owner, created_at, status, model, provider, response_json) VALUES (?, ?, 1, 'completed', 'm', ?, '{}')`);
    const item = sqlite.prepare(`INSERT INTO items (response_id, direction, position, owner, id, type, provider, item_json) VALUES (?, ?, ?, ?, ?, ?, ?, '{}')`);
    response.run('resp_1', 'alice', 'xai');
    item.run('resp_1', 'output', 0, 'alice', 'rs_1', 'reasoning', 'xai');
    response.run('resp_2', 'alice', 'openai');
    item.run('resp_2', 'input', 0, 'alice', 'msg_user', 'message', null);
    item.run('resp_2', 'input', 1, 'alice', 'rs_1', 'reasoning', null);
    response.run('resp_3', 'bob', 'openai');
    item.run('resp_3', 'input', 0, 'bob', 'rs_1', 'reasoning', null);
    await db.destroy();

    const opened = await openDatabase({ url: `sqlite:${file}`, synchronous: 'normal' });
    try {
      const rows = opened.sqlite.prepare(`SELECT response_id, id, provider FROM items WHERE direction = 'input' ORDER BY response_id, position`).all();
      expect(rows).toEqual([
        { response_id: 'resp_2', id: 'msg_user', provider: null },
        { response_id: 'resp_2', id: 'rs_1', provider: 'xai' },
        { response_id: 'resp_3', id: 'rs_1', provider: null },
      ]);
    } finally {
      await opened.close();
    }
  });
});
