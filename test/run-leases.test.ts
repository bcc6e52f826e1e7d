// A run's lease as its holder sees it: a run another instance took over is left to it (no more writes, upstream stopped), and shutdown hands the runs left over at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open-store.js';
import { fixturePath, gate, startMockUpstream, type MockUpstream } from './support/mock-upstream.js';
import { newRun } from './support/store-contract.js';
import { openSse } from './support/sse-stream.js';
import { authHeaders, startTestGateway } from './support/test-gateway.js';

const FIXTURE = readFileSync(fixturePath('openai/text-with-conversation.sse'), 'utf8');
const HEAD = FIXTURE.slice(0, FIXTURE.indexOf('event: response.output_text.delta'));
/** Polled often; a lease long enough that it never lapses on its own during a test. */
const LEASES = { background: { lease_s: 60, poll_ms: 20 } };

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());

const runsTable = (dir: string) => new Database(join(dir, 'junction.db'));

describe('the lease of a background run', () => {
  it('is noticed lost when another instance took the run over: this one stops it upstream and writes nothing more of it', async () => {
    const gateway = await startTestGateway(upstream.url, LEASES);
    try {
      upstream.reply('/v1/responses', { body: '', script: [HEAD, gate().promise] });
      const created = (await openSse(`${gateway.url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify({ model: 'gpt-4o', input: 'hi', background: true }) })).json!;
      const id = String(created.id);
      const watched = await openSse(`${gateway.url}/v1/responses/${id}?stream=true`, { headers: authHeaders() });
      await watched.until((item) => item.kind === 'event' && item.data.type === 'response.content_part.added');

      // What another instance's takeover leaves in the store (the lease names it now).
      const db = runsTable(gateway.dir);
      db.prepare("UPDATE runs SET lease_owner = 'elsewhere', lease_until = ? WHERE response_id = ?").run(Date.now() + 60_000, id);
      // Its subscribers are cut without an end (the new holder's log is theirs to resume), and the run is left as stored.
      const seen = await watched.rest();
      expect(seen.map((e) => e.type)).not.toContain('response.failed');
      expect(seen.at(-1)!.type).toBe('response.content_part.added');
      await upstream.idle();
      expect(upstream.received.at(-1)!.replySent).toBe(false);
      const row = db.prepare('SELECT status FROM responses WHERE id = ?').get(id) as { status: string };
      expect(row.status).toBe('in_progress');
      expect(db.prepare('SELECT lease_owner FROM runs WHERE response_id = ?').get(id)).toEqual({ lease_owner: 'elsewhere' });
      db.close();
    } finally {
      await gateway.close();
    }
  });

  it('stops a run whose write finds it held by another instance, before any poll noticed: nothing more of it is stored', async () => {
    // Polled too seldom to notice within the test: the write itself is refused.
    const gateway = await startTestGateway(upstream.url, { background: { lease_s: 60, poll_ms: 60_000 } });
    const db = runsTable(gateway.dir);
    try {
      const go = gate();
      upstream.reply('/v1/responses', { body: '', script: [HEAD, go.promise, FIXTURE.slice(HEAD.length)] });
      const created = (await openSse(`${gateway.url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify({ model: 'gpt-4o', input: 'hi', background: true }) })).json!;
      const id = String(created.id);
      const watched = await openSse(`${gateway.url}/v1/responses/${id}?stream=true`, { headers: authHeaders() });
      await watched.until((item) => item.kind === 'event' && item.data.type === 'response.content_part.added');
      const logged = () => (db.prepare('SELECT count(*) AS n FROM response_events WHERE response_id = ?').get(id) as { n: number }).n;
      const before = logged();
      db.prepare("UPDATE runs SET lease_owner = 'elsewhere' WHERE response_id = ?").run(id);
      go.open();
      const seen = await watched.rest();
      // The rest of the run (its deltas, its end) was refused by the store: not logged, not sent, not stored.
      expect(seen.map((e) => e.type)).not.toContain('response.output_text.delta');
      expect(seen.map((e) => e.type)).not.toContain('response.completed');
      expect(logged()).toBe(before);
      expect((db.prepare('SELECT status FROM responses WHERE id = ?').get(id) as { status: string }).status).toBe('in_progress');
    } finally {
      db.close();
      await gateway.close();
    }
  });

  it('lapses for a run whose end could not be stored, and the instance that ran it then applies restart recovery to it', async () => {
    const gateway = await startTestGateway(upstream.url, { background: { lease_s: 0.3, poll_ms: 20 } });
    const db = runsTable(gateway.dir);
    try {
      db.exec(`CREATE TRIGGER no_end BEFORE UPDATE OF status ON responses WHEN NEW.status = 'completed' BEGIN SELECT RAISE(ABORT, 'the store is broken'); END`);
      // One batch from created to completed: its events are logged with the end, which fails, so no subscriber sees them.
      upstream.reply('/v1/responses', { body: '', script: [FIXTURE] }, { body: '', script: [FIXTURE] });
      const before = upstream.received.length;
      const stream = await openSse(`${gateway.url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify({ model: 'gpt-4o', input: 'hi', background: true, stream: true }) });
      const events = await stream.rest();
      const id = String((events[0]!.response as { id: string }).id);
      expect(events.map((e) => e.type)).toEqual(['response.created', 'response.queued', 'error', 'response.failed']);
      const status = () => (db.prepare('SELECT status FROM responses WHERE id = ?').get(id) as { status: string }).status;
      // Its end is not in the store: the run is left as stored, its lease no longer renewed (it is over here).
      expect(['queued', 'in_progress']).toContain(status());
      db.exec('DROP TRIGGER no_end');
      while (['queued', 'in_progress'].includes(status())) await new Promise((resolve) => setTimeout(resolve, 10));
      // Its log had no output: it ran again (a second upstream call) and ended as it should have.
      expect(status()).toBe('completed');
      expect(upstream.received.length).toBe(before + 2);
      const replayed = await (await openSse(`${gateway.url}/v1/responses/${id}?stream=true`, { headers: authHeaders() })).rest();
      expect(replayed.at(-1)!.type).toBe('response.completed');
      expect(await (await fetch(`${gateway.url}/metrics`)).text()).toContain('junction_runs_recovered_total{outcome="rerun"} 1');
    } finally {
      db.close();
      await gateway.close();
    }
  });

  it('leaves runs it was taking over when shutdown began to the next instance, none ended failed for it', async () => {
    // An upstream of its own that answers nothing: a run that starts again is still going at shutdown (and is left as it stands).
    const quiet = await startMockUpstream();
    const silent = gate();
    quiet.reply('/v1/responses', ...Array.from({ length: 120 }, () => ({ body: '', script: [silent.promise] })));
    const gateway = await startTestGateway(quiet.url, { background: { lease_s: 0.3, poll_ms: 10, max_concurrent: 1 } });
    // Runs a dead instance left without output: each would run again.
    const other = await openStore({ url: `sqlite:${join(gateway.dir, 'junction.db')}`, synchronous: 'full' });
    for (let i = 0; i < 120; i++) {
      await other.createRun({ ...newRun(`resp_${String(i).padStart(4, '0')}`, 1_700_000_000 + i), request: { model: 'gpt-4o', input: 'hi', background: true }, lease: { instance: 'dead', until: 1 } });
    }
    await other.close();
    const db = runsTable(gateway.dir);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    // Shutdown begins as soon as the sweep has taken the first ones.
    while (count("SELECT count(*) AS n FROM runs WHERE lease_owner <> 'dead'") === 0) await new Promise((resolve) => setImmediate(resolve));
    await gateway.close();
    expect(count("SELECT count(*) AS n FROM responses WHERE status = 'failed'")).toBe(0);
    expect(count("SELECT count(*) AS n FROM response_events WHERE type = 'response.failed'")).toBe(0);
    // Every run is still there to be taken: none is held past this instance's end.
    expect(count('SELECT count(*) AS n FROM runs')).toBe(120);
    expect(count("SELECT count(*) AS n FROM runs WHERE lease_owner <> 'dead' AND lease_until > 1")).toBe(0);
    db.close();
    silent.open();
    await quiet.close();
  });

  it('ends at shutdown for the runs left, so another instance takes them over at once', async () => {
    const gateway = await startTestGateway(upstream.url, LEASES);
    upstream.reply('/v1/responses', { body: '', script: [gate().promise] });
    const before = upstream.received.length;
    const created = (await openSse(`${gateway.url}/v1/responses`, { method: 'POST', headers: authHeaders(), body: JSON.stringify({ model: 'gpt-4o', input: 'hi', background: true }) })).json!;
    while (upstream.received.length === before) await new Promise((resolve) => setImmediate(resolve));
    const db = runsTable(gateway.dir);
    const lease = () => db.prepare('SELECT lease_owner, lease_until FROM runs WHERE response_id = ?').get(String(created.id)) as { lease_owner: string; lease_until: number };
    expect(lease().lease_until).toBeGreaterThan(Date.now());
    await gateway.close();
    expect(lease()).toMatchObject({ lease_until: 0 });
    db.close();
  });
});
