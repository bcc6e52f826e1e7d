// The response writer: grouped commits on prepared statements, a failing record isolated, the fsync on the acknowledgement path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseObject } from '../../../transformers/responses-types.js';
import { openDatabase, type OpenedDatabase } from './open-database.js';
import { createResponseWriter } from './response-writer.js';
import { serializeRecord, type StoredRecord } from './serialize-writes.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fileDatabase(): Promise<OpenedDatabase & { path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'junction-writer-'));
  const path = join(dir, 'junction.db');
  const opened = await openDatabase({ url: `sqlite:${path}`, synchronous: 'full' });
  cleanups.push(async () => {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { ...opened, path };
}

function record(id: string, owner = 'alice', responseBody = 'data: {}\n\n'): StoredRecord {
  const response = {
    id,
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model: 'gpt-test',
    output: [{ id: `msg_${id}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'hi', annotations: [] }] }],
  } as unknown as ResponseObject;
  return serializeRecord({
    owner,
    provider: 'openai',
    upstreamId: `up_${id}`,
    previousResponseId: null,
    response,
    input: [{ id: `in_${id}`, item: { type: 'message', role: 'user', content: 'hello' }, provider: null }],
    exchange: { url: 'http://upstream/v1/responses', status: 200, requestBody: '{"model":"gpt-test"}', responseBody, warnings: [] },
  });
}

describe('createResponseWriter', () => {
  it('commits the writes of one turn together, visible to another connection once acknowledged', async () => {
    const database = await fileDatabase();
    expect(database.syncFile).toBe(`${database.path}-wal`);
    const writer = createResponseWriter(database.sqlite, { syncFile: database.syncFile });
    await Promise.all([writer.write(record('resp_a')), writer.write(record('resp_b'))]);

    const reader = new SQLite(database.path, { readonly: true });
    try {
      expect(reader.prepare('SELECT id, owner, upstream_id FROM responses ORDER BY id').all()).toEqual([
        { id: 'resp_a', owner: 'alice', upstream_id: 'up_resp_a' },
        { id: 'resp_b', owner: 'alice', upstream_id: 'up_resp_b' },
      ]);
      const items = reader.prepare("SELECT direction, position, id, provider FROM items WHERE response_id = 'resp_a' ORDER BY direction").all();
      expect(items).toEqual([
        { direction: 'input', position: 0, id: 'in_resp_a', provider: null },
        { direction: 'output', position: 0, id: 'msg_resp_a', provider: 'openai' },
      ]);
      const stored = reader.prepare("SELECT response_json FROM responses WHERE id = 'resp_a'").get() as { response_json: string };
      expect(JSON.parse(stored.response_json)).not.toHaveProperty('output');
      expect(reader.prepare('SELECT count(*) AS n FROM upstream_exchanges').get()).toEqual({ n: 2 });
    } finally {
      reader.close();
    }
    await writer.close();
  });

  it('rejects only the record that cannot be written, and leaves nothing of it behind', async () => {
    const database = await fileDatabase();
    const writer = createResponseWriter(database.sqlite, { syncFile: database.syncFile });
    await writer.write(record('resp_dup'));

    const results = await Promise.allSettled([writer.write(record('resp_ok_1')), writer.write(record('resp_dup', 'bob')), writer.write(record('resp_ok_2'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const owners = database.sqlite.prepare("SELECT DISTINCT owner FROM items WHERE response_id = 'resp_dup'").all();
    expect(owners).toEqual([{ owner: 'alice' }]);
    expect(database.sqlite.prepare('SELECT count(*) AS n FROM responses').get()).toEqual({ n: 3 });
    await writer.close();
  });

  it('holds its commits while paused (the checkpointer catching up), and commits them once released', async () => {
    const database = await fileDatabase();
    const { writer } = database;
    const count = () => (database.sqlite.prepare('SELECT count(*) AS n FROM responses').get() as { n: number }).n;
    const release = writer.pause();
    let acknowledged = false;
    const written = writer.write(record('resp_held')).then(() => (acknowledged = true));
    for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
    expect(count()).toBe(0);
    expect(acknowledged).toBe(false);
    release();
    await written;
    expect(count()).toBe(1);
  });

  it('waits for a write lock held by another connection while the event loop turns, then commits the whole batch', async () => {
    const database = await fileDatabase();
    const events: string[] = [];
    let waiting!: () => void;
    const startedWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const writer = createResponseWriter(database.sqlite, {
      syncFile: database.syncFile,
      onLockWait: (event) => {
        events.push(event.state === 'waiting' ? 'waiting' : `released${event.gaveUp ? ', gave up' : ''}`);
        if (event.state === 'waiting') waiting();
      },
    });
    const other = new SQLite(database.path);
    other.exec('BEGIN IMMEDIATE');
    let acknowledged = false;
    const written = Promise.all([writer.write(record('resp_l1')), writer.write(record('resp_l2'))]).then(() => (acknowledged = true));
    await startedWaiting;
    // A busy timeout would have slept inside SQLite; these turns of the event loop prove that nothing did.
    for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
    expect(acknowledged).toBe(false);
    other.exec('COMMIT');
    other.close();
    await written;
    expect(database.sqlite.prepare('SELECT id FROM responses ORDER BY id').all()).toEqual([{ id: 'resp_l1' }, { id: 'resp_l2' }]);
    expect(events).toEqual(['waiting', 'released']);
    await writer.close();
  });

  it('fails the waiting records, with nothing written, when the lock is held past lockWaitMs', async () => {
    const database = await fileDatabase();
    const events: string[] = [];
    const writer = createResponseWriter(database.sqlite, {
      syncFile: database.syncFile,
      lockWaitMs: 20,
      onLockWait: (event) => events.push(event.state === 'waiting' ? 'waiting' : `released${event.gaveUp ? ', gave up' : ''}`),
    });
    const other = new SQLite(database.path);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(writer.write(record('resp_never'))).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    expect(database.sqlite.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 0 });
    expect(events).toEqual(['waiting', 'released, gave up']);
    // The writer goes on once the lock is free.
    await writer.write(record('resp_after'));
    expect(database.sqlite.prepare('SELECT id FROM responses').all()).toEqual([{ id: 'resp_after' }]);
    await writer.close();
  });

  it('acknowledges a write only after the file sync, and fails it when the sync fails', async () => {
    const database = await fileDatabase();
    const writer = createResponseWriter(database.sqlite, { syncFile: join(database.path, 'no-such-dir', 'wal') });
    await expect(writer.write(record('resp_unsynced'))).rejects.toThrow(/ENOENT|ENOTDIR/);
    await writer.close();
  });
});

describe('createResponseWriter with large records', () => {
  it('cuts a batch of large records into several transactions, with the event loop served between them', async () => {
    const database = await fileDatabase();
    const writer = createResponseWriter(database.sqlite, { syncFile: database.syncFile });
    const big = (id: string) => record(id, 'alice', 'x'.repeat(300 * 1024));
    const order: string[] = [];
    const writes = ['resp_big_1', 'resp_big_2', 'resp_big_3'].map((id) => writer.write(big(id)).then(() => order.push(id)));
    // Counts the commits: each one bumps the database's data_version as seen from another connection.
    const reader = new SQLite(database.path, { readonly: true });
    const versions = new Set<number>();
    let watching = true;
    // Samples once per turn of the event loop, in the same phase as the writer's pauses.
    const sample = () => {
      if (!watching) return; // the reader is closed once the writes are in
      versions.add(reader.pragma('data_version', { simple: true }) as number);
      setImmediate(sample);
    };
    sample();
    await Promise.all(writes);
    watching = false;
    reader.close();
    expect(order).toEqual(['resp_big_1', 'resp_big_2', 'resp_big_3']);
    expect(database.sqlite.prepare('SELECT count(*) AS n FROM upstream_exchanges').get()).toEqual({ n: 3 });
    // Three records of 300 KB go in three transactions, and the event loop turned between them: it saw the
    // database before, between and after the commits.
    expect(versions.size).toBeGreaterThanOrEqual(3);
    await writer.close();
  });

  it('commits one very large record in slices, the event loop turning between them, and nothing of it visible before the end', async () => {
    const database = await fileDatabase();
    const writer = createResponseWriter(database.sqlite, { syncFile: database.syncFile });
    const response = { id: 'resp_huge', object: 'response', created_at: 1_700_000_000, status: 'completed', model: 'gpt-test', output: [] } as unknown as ResponseObject;
    const input = Array.from({ length: 3000 }, (_, i) => ({ id: `in_${i}`, item: { type: 'message', role: 'user', content: 'x'.repeat(1000) }, provider: null }));
    const huge = serializeRecord({ owner: 'alice', provider: 'openai', upstreamId: null, previousResponseId: null, response, input });
    const reader = new SQLite(database.path, { readonly: true });
    const seen: number[] = [];
    let done = false;
    const sample = () => {
      if (done) return;
      seen.push((reader.prepare("SELECT count(*) AS n FROM items WHERE response_id = 'resp_huge'").get() as { n: number }).n);
      setImmediate(sample);
    };
    sample();
    await writer.write(huge);
    done = true;
    // Several turns while it was written (one transaction of it would have left none), each seeing none of its
    // rows or all of them (committed, its fsync under way): never a part.
    expect(seen.filter((n) => n === 0).length).toBeGreaterThan(3);
    expect(seen.filter((n) => n !== 0 && n !== 3000)).toEqual([]);
    expect(reader.prepare("SELECT count(*) AS n FROM items WHERE response_id = 'resp_huge'").get()).toEqual({ n: 3000 });
    reader.close();
    await writer.close();
  });
});
