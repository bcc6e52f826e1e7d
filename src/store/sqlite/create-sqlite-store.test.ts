// The SQLite store's run writes through the grouped writer: one transaction with the other writes of their turn, and a large run's end committed in slices.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseObject } from '../../../transformers/responses-types.js';
import type { ResponseStore } from '../response-store.js';
import { createSqliteStore } from './create-sqlite-store.js';
import { openDatabase } from './open-database.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fileStore(): Promise<{ store: ResponseStore; reader: SQLite.Database }> {
  const dir = mkdtempSync(join(tmpdir(), 'junction-sqlite-store-'));
  const path = join(dir, 'junction.db');
  const store = createSqliteStore(await openDatabase({ url: `sqlite:${path}`, synchronous: 'full' }));
  const reader = new SQLite(path, { readonly: true });
  cleanups.push(async () => {
    reader.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, reader };
}

const response = (id: string, status: ResponseObject['status'], output: ResponseObject['output'] = []): ResponseObject => ({
  id,
  object: 'response',
  created_at: 1_700_000_000,
  status,
  model: 'gpt-test',
  output,
  usage: null,
  error: null,
  incomplete_details: null,
});

/** Counts the commits another connection sees, sampled once per turn of the event loop. */
function watchCommits(reader: SQLite.Database): () => number {
  const versions = new Set<number>();
  let watching = true;
  const sample = () => {
    if (!watching) return;
    versions.add(reader.pragma('data_version', { simple: true }) as number);
    setImmediate(sample);
  };
  sample();
  return () => {
    watching = false;
    return versions.size - 1;
  };
}

describe('createSqliteStore', () => {
  it("commits a run's writes of one turn in the same transaction as a foreground response's", async () => {
    const { store, reader } = await fileStore();
    const run = { owner: 'alice', provider: 'openai', previousResponseId: null, response: response('resp_run', 'queued'), input: [], request: { model: 'gpt-test' } };
    await store.createRun(run);
    const commits = watchCommits(reader);
    await Promise.all([
      store.updateRun('resp_run', response('resp_run', 'in_progress')),
      store.appendEvents('resp_run', [
        { type: 'response.in_progress', sequence_number: 0 },
        { type: 'response.output_item.added', sequence_number: 1 },
      ]),
      store.saveResponse({ owner: 'alice', provider: 'openai', upstreamId: null, previousResponseId: null, response: response('resp_fg', 'completed'), input: [] }),
    ]);
    expect(commits()).toBe(1);
    expect(reader.prepare('SELECT id, status FROM responses ORDER BY id').all()).toEqual([
      { id: 'resp_fg', status: 'completed' },
      { id: 'resp_run', status: 'in_progress' },
    ]);
    expect(reader.prepare('SELECT count(*) AS n FROM response_events').get()).toEqual({ n: 2 });
  });

  it("commits a very large run end in slices, the event loop turning between them, and nothing of it visible before the end", async () => {
    const { store, reader } = await fileStore();
    await store.createRun({ owner: 'alice', provider: 'openai', previousResponseId: null, response: response('resp_big', 'queued'), input: [], request: {} });
    const output = Array.from({ length: 3000 }, (_, i) => ({ id: `msg_${i}`, type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'x'.repeat(1000) }] }));
    const seen: { items: number; runs: number }[] = [];
    let done = false;
    const sample = () => {
      if (done) return;
      seen.push({
        items: (reader.prepare("SELECT count(*) AS n FROM items WHERE response_id = 'resp_big'").get() as { n: number }).n,
        runs: (reader.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n,
      });
      setImmediate(sample);
    };
    sample();
    await store.finishRun(
      { owner: 'alice', provider: 'openai', upstreamId: 'up_big', previousResponseId: null, response: response('resp_big', 'completed', output), input: [] },
      [{ type: 'response.completed', sequence_number: 0 }],
    );
    done = true;
    // Several turns while it was written, each seeing the run before its end or after it: never a part.
    expect(seen.filter((s) => s.items === 0 && s.runs === 1).length).toBeGreaterThan(3);
    expect(seen.filter((s) => !(s.items === 0 && s.runs === 1) && !(s.items === 3000 && s.runs === 0))).toEqual([]);
    expect(reader.prepare("SELECT status, upstream_id FROM responses WHERE id = 'resp_big'").get()).toEqual({ status: 'completed', upstream_id: 'up_big' });
    expect(reader.prepare('SELECT count(*) AS n FROM response_events').get()).toEqual({ n: 1 });
  });

  it('refuses to log an event that has no sequence number', async () => {
    const { store } = await fileStore();
    await expect(store.appendEvents('resp_x', [{ type: 'response.created' }])).rejects.toThrow(/sequence_number/);
  });
});
