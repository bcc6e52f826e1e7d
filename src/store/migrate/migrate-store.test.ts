// migrate-store from a real SQLite file into the test run's PostgreSQL: the copy reads back the same through the store, row for row, and a refused or failed copy leaves the target as it was.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../../migrations/index.js';
import { fillStore, HOOK_A, input, message, readEverything, record } from '../../../test/support/fill-store.js';
import { createTestDatabase, dropTestDatabases } from '../../../test/support/test-database.js';
import { openStore } from '../open-store.js';
import { postgresPoolConfig } from '../postgres/open-postgres-store.js';
import { migrateStore } from './migrate-store.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'junction-migrate-'));
});
afterAll(async () => {
  await dropTestDatabases();
  rmSync(dir, { recursive: true, force: true });
});

const TABLES = ['responses', 'items', 'upstream_exchanges', 'runs', 'response_events', 'conversations', 'conversation_items', 'webhook_deliveries'];

/** A SQLite store filled through the store interface; resolves with its sqlite: URL. */
async function filledSqlite(name: string): Promise<string> {
  const url = `sqlite:${join(dir, name)}`;
  const store = await openStore({ url, synchronous: 'full' });
  await fillStore(store);
  await store.close();
  return url;
}

async function withStore<T>(url: string, read: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore({ url, synchronous: 'full' });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

async function onTarget<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(postgresPoolConfig(url, 1));
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every row of every table, sorted, as each side gives it (SQLite's bytes as text, a NUL as PostgreSQL keeps it). */
function sqliteRows(url: string, tables = TABLES): Record<string, unknown[]> {
  const db = new SQLite(url.slice('sqlite:'.length), { readonly: true });
  try {
    const text = (value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value);
    const clean = (value: unknown) => (typeof text(value) === 'string' ? (text(value) as string).replaceAll('\u0000', '\uFFFD') : value);
    return Object.fromEntries(
      tables.map((t) => [t, sortRows((db.prepare(`SELECT * FROM ${t}`).all() as Record<string, unknown>[]).map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, clean(v)]))))]),
    );
  } finally {
    db.close();
  }
}

async function postgresRows(url: string, tables = TABLES): Promise<Record<string, unknown[]>> {
  return onTarget(url, async (client) => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, sortRows((await client.query(`SELECT * FROM ${t}`)).rows)]))));
}

const sortRows = (rows: unknown[]) => rows.map((row) => JSON.stringify(row, Object.keys(row as object).sort())).sort();

describe('migrateStore', () => {
  it('copies every table in batches: the PostgreSQL store answers every read as the SQLite store did, row for row', async () => {
    const from = await filledSqlite('full.db');
    const to = await createTestDatabase();
    const expected = await withStore(from, readEverything);
    // What the comparison rests on is there to compare: a test of two empty stores would pass too.
    expect(expected.unfinished).toMatchObject([{ id: 'resp_bg_open', producedOutput: true, lastSequence: 4 }]);
    expect(expected.events).toHaveLength(7);
    expect(expected.chain).toHaveLength(7);
    expect(expected.conversationItems?.items.map((item) => item.id)).toEqual(['ci_1', 'in_conv', 'msg_resp_conv', 'ci_3']);
    expect(expected.outbox).toEqual({ pending: 3, failed: 1, nextAttemptAt: 1_764_000_000_000 });

    const progress: string[] = [];
    const result = await migrateStore({ from, to, batchRows: 2, onTable: ({ table }) => progress.push(table) });

    expect(result.migrated).toEqual([]);
    expect(result.tables.map((t) => t.table)).toEqual(progress);
    expect(Object.fromEntries(result.tables.map((t) => [t.table, t.rows]))).toEqual(Object.fromEntries(Object.entries(sqliteRows(from)).map(([t, rows]) => [t, rows.length])));
    // Parents before children: the order the foreign keys need.
    expect(progress.indexOf('responses')).toBeLessThan(progress.indexOf('items'));
    expect(progress.indexOf('conversations')).toBeLessThan(progress.indexOf('conversation_items'));
    expect(await withStore(to, readEverything)).toEqual(expected);
    expect(await postgresRows(to)).toEqual(sqliteRows(from));
    // The snapshot is gone; the source is as it was.
    expect(readdirSync(dir).filter((f) => f.includes('migrate-store'))).toEqual([]);

    // The copied outbox works on: the pending row for HOOK_A is claimed there, with its times intact.
    const claimed = await withStore(to, (store) => store.claimWebhookDeliveries({ endpoints: [HOOK_A], now: 1_764_000_000_000, leaseMs: 1000, limit: 10 }));
    expect(claimed.map((d) => [d.responseId, d.createdAt])).toEqual([
      ['resp_3', 1_764_000_000_000],
      ['resp_bg_done', 1_764_000_000_000],
    ]);
  });

  it('copies a store that keeps taking writes: every response stored before the copy began, each whole', async () => {
    const from = `sqlite:${join(dir, 'live.db')}`;
    const live = await openStore({ url: from, synchronous: 'full' });
    try {
      await fillStore(live);
      let writing = true;
      let stored = 0;
      const writer = (async () => {
        for (let n = 0; writing; n++) {
          await live.saveResponse(record(`resp_live_${n}`, 'alice', [input(message(`in_live_${n}`, 'meanwhile'))]));
          stored++;
        }
      })();
      const to = await createTestDatabase();
      await migrateStore({ from, to });
      writing = false;
      await writer;

      const copied = await onTarget(to, async (client) => (await client.query<{ id: string }>('SELECT id FROM responses')).rows.map((row) => row.id));
      expect(copied).toEqual(expect.arrayContaining(['resp_1', 'resp_2', 'resp_3', 'resp_bob', 'resp_bg_done', 'resp_bg_open', 'resp_conv', 'resp_4']));
      // Writes went on during the copy: the ones after its snapshot are not in it.
      expect(copied.length).toBeLessThan(8 + stored);
      const owned = copied.filter((id) => id !== 'resp_bob');
      const read = (store: Awaited<ReturnType<typeof openStore>>) => Promise.all(owned.map(async (id) => [await store.getResponse('alice', id), await store.listInputItems('alice', id, { limit: 10, order: 'asc' })]));
      expect(await withStore(to, read)).toEqual(await read(live));
    } finally {
      await live.close();
    }
  });

  it('copies tables and columns a later migration adds without knowing them, and moves a serial column\'s sequence past the copied ids', async () => {
    const from = await filledSqlite('extra.db');
    const source = new SQLite(from.slice('sqlite:'.length));
    source.exec(`ALTER TABLE runs ADD COLUMN later_column TEXT;
      UPDATE runs SET later_column = 'later-value';
      CREATE TABLE later_table (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, tokens INTEGER NOT NULL);
      INSERT INTO later_table (id, owner, tokens) VALUES (1, 'alice', 9007199254740993), (2, 'bob', 5), (7, 'alice', 12);`);
    source.close();
    const to = await createTestDatabase();
    // A column the target lacks would be lost: refused, naming it.
    await expect(migrateStore({ from, to })).rejects.toThrow(/^the target's table runs has no column later_column \(the source's has\)/);
    await onTarget(to, (client) =>
      client.query('ALTER TABLE runs ADD COLUMN later_column text; CREATE TABLE later_table (id bigserial PRIMARY KEY, owner text NOT NULL, tokens bigint NOT NULL)'),
    );

    const result = await migrateStore({ from, to });

    expect(result.tables.find((t) => t.table === 'later_table')?.rows).toBe(3);
    expect(await postgresRows(to, ['runs'])).toEqual(sqliteRows(from, ['runs']));
    const { usage, next } = await onTarget(to, async (client) => ({
      // Past 2^53: read as text, to see it arrived exactly.
      usage: (await client.query('SELECT id::text, owner, tokens::text FROM later_table ORDER BY id')).rows,
      next: (await client.query("INSERT INTO later_table (owner, tokens) VALUES ('carol', 1) RETURNING id")).rows[0].id,
    }));
    expect(usage).toEqual([
      { id: '1', owner: 'alice', tokens: '9007199254740993' },
      { id: '2', owner: 'bob', tokens: '5' },
      { id: '7', owner: 'alice', tokens: '12' },
    ]);
    expect(next).toBe(8);
  });

  it('refuses a target that holds rows, and leaves it unchanged', async () => {
    const from = await filledSqlite('twice.db');
    const to = await createTestDatabase();
    await migrateStore({ from, to });
    await withStore(to, (store) => store.createConversation('alice', { id: 'conv_new', object: 'conversation', created_at: 1, metadata: {} }, []));
    const before = await postgresRows(to);

    await expect(migrateStore({ from, to })).rejects.toThrow(/^the target already holds rows \(in responses, items, .*conversations.*\): migrate-store copies into an empty store only/);
    expect(await postgresRows(to)).toEqual(before);
  });

  it('rolls back a copy that fails part-way: the target is left empty', async () => {
    const from = await filledSqlite('orphan.db');
    // An item whose response is gone (written with foreign keys off): PostgreSQL refuses it after the responses went in.
    const source = new SQLite(from.slice('sqlite:'.length));
    source.pragma('foreign_keys = OFF');
    source.prepare("INSERT INTO items (response_id, direction, position, owner, id, type, item_json) VALUES ('resp_gone', 'input', 0, 'alice', 'in_x', 'message', '{}')").run();
    source.close();
    const to = await createTestDatabase();

    await expect(migrateStore({ from, to, batchRows: 2 })).rejects.toThrow(/^copying items failed: .*foreign key.*resp_gone.*\(nothing was written to the target\)$/);
    const rows = await postgresRows(to);
    expect(Object.values(rows).flat()).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('migrate-store'))).toEqual([]);
  });

  it('migrates a store from an older Junction on its snapshot (the source stays as it was), and refuses one from a newer Junction', async () => {
    const path = join(dir, 'old.db');
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    await new Migrator({ db: old, provider: migrationProvider }).migrateTo('0005-webhook-outbox');
    await old.destroy();
    const raw = new SQLite(path);
    raw.prepare("INSERT INTO responses (id, owner, created_at, status, model, provider, response_json) VALUES ('resp_old', 'alice', 1, 'completed', 'm', 'openai', ?)").run(
      JSON.stringify({ id: 'resp_old', object: 'response', created_at: 1, status: 'completed', model: 'm' }),
    );
    raw.close();
    const to = await createTestDatabase();

    const result = await migrateStore({ from: `sqlite:${path}`, to });
    expect(result.migrated).toContain('0006-request-id');
    expect(await withStore(to, (store) => store.getResponse('alice', 'resp_old'))).toMatchObject({ id: 'resp_old', output: [] });
    const applied = (db: SQLite.Database) => (db.prepare('SELECT name FROM kysely_migration').all() as { name: string }[]).map((r) => r.name);
    const source = new SQLite(path);
    expect(applied(source)).not.toContain('0006-request-id');

    source.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES ('9999-from-the-future', '2030-01-01')").run();
    source.close();
    await expect(migrateStore({ from: `sqlite:${path}`, to: await createTestDatabase() })).rejects.toThrow(
      /^--from: the store was written by a newer Junction \(migration 9999-from-the-future is unknown to this one\)/,
    );
  });

  it('names what is wrong with its arguments', async () => {
    await expect(migrateStore({ from: `sqlite:${join(dir, 'missing.db')}`, to: await createTestDatabase() })).rejects.toThrow(/^--from: no SQLite store at .*missing\.db$/);
    await expect(migrateStore({ from: 'sqlite:x.db', to: 'mysql://db/x' })).rejects.toThrow(/^--to: a postgres:\/\/ URL is needed/);
    await expect(migrateStore({ from: 'postgres://db/x', to: 'postgres://db/y' })).rejects.toThrow(/^--from: a sqlite: URL is needed \(got "postgres:"\)$/);
  });
});
