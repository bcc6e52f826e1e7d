// The checkpointer thread folds the WAL into the database file, so commits on the main thread never have to.
import { closeSync, copyFileSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type CheckpointerEvent, startCheckpointer } from './start-checkpointer.js';

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

/** The checkpointer's events, to wait on: each test waits for what the code reports, never for the clock. */
function eventLog() {
  const waiting: { match: (event: CheckpointerEvent) => boolean; resolve: (event: CheckpointerEvent) => void }[] = [];
  return {
    onEvent(event: CheckpointerEvent) {
      for (const waiter of waiting.slice()) {
        if (!waiter.match(event)) continue;
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    },
    /** The next event that matches, from now on (ask before doing what causes it). */
    next(match: (event: CheckpointerEvent) => boolean): Promise<CheckpointerEvent> {
      return new Promise((resolve) => waiting.push({ match, resolve }));
    },
  };
}

/** The main thread's side of a hold, as the response writer's `pause()` is: commits wait while it is held. */
function writeGate() {
  let held: Promise<void> | undefined;
  const gate = {
    holds: 0,
    releases: 0,
    holding: () => held !== undefined,
    pauseWrites: () => {
      gate.holds += 1;
      let open!: () => void;
      held = new Promise<void>((resolve) => (open = resolve));
      return () => {
        held = undefined;
        gate.releases += 1;
        open();
      };
    },
    /** Resolves once no hold is on. */
    async passed() {
      while (held) await held;
    },
  };
  return gate;
}

/** The WAL header's checkpoint sequence number: SQLite adds one each time a writer starts the WAL over. */
function walSequence(path: string): number {
  const header = Buffer.alloc(16);
  const fd = openSync(`${path}-wal`, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(12);
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
    const events = eventLog();
    const copied = events.next((e) => e.type === 'checkpointed' && e.log > 0 && e.checkpointed === e.log);
    const checkpointer = startCheckpointer(path, (m) => errors.push(m), { intervalMs: 20, onEvent: events.onEvent });
    await copied;
    expect(statSync(path).size).toBeGreaterThan(1_000_000);
    await checkpointer.stop();
    expect(errors).toEqual([]);
    db.close();
  });

  it('truncates the WAL when stopped, leaving the database file complete on its own', async () => {
    const { db, path } = walDatabase();
    db.prepare('INSERT INTO t (v) VALUES (?)').run('kept');
    // The writer stays open (closing the last connection would checkpoint by itself).
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    const events = eventLog();
    const started = events.next((e) => e.type === 'started');
    const checkpointer = startCheckpointer(path, () => undefined, { intervalMs: 20, idleStopMs: 60_000, onEvent: events.onEvent });
    await started;
    expect(checkpointer.running()).toBe(true);
    await checkpointer.stop();
    expect(checkpointer.running()).toBe(false);
    expect(statSync(`${path}-wal`).size).toBe(0);
    // The database file alone, without its WAL, holds the row.
    const copy = join(dirs.at(-1)!, 'copy.db');
    copyFileSync(path, copy);
    db.close();
    const reopened = new SQLite(copy, { readonly: true });
    expect(reopened.prepare('SELECT v FROM t').all()).toEqual([{ v: 'kept' }]);
    reopened.close();
  });

  it('runs its thread only while writes come: none for an empty WAL, gone after idling, back when the WAL grows', async () => {
    const { db, path } = walDatabase();
    const errors: string[] = [];
    const events = eventLog();
    const seen: CheckpointerEvent['type'][] = [];
    const checkpointer = startCheckpointer(path, (m) => errors.push(m), {
      intervalMs: 20,
      idleStopMs: 100,
      onEvent: (event) => {
        seen.push(event.type);
        events.onEvent(event);
      },
    });
    // An empty WAL starts nothing: the main thread looks at it three times and leaves it.
    for (let i = 0; i < 3; i++) expect(await events.next((e) => e.type === 'polled')).toEqual({ type: 'polled', walBytes: 0 });
    expect(seen).not.toContain('started');
    expect(checkpointer.running()).toBe(false);

    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    let started = events.next((e) => e.type === 'started');
    insert.run('first');
    await started;
    expect(checkpointer.running()).toBe(true);
    // Idle: the thread empties the WAL into the database file and exits.
    await events.next((e) => e.type === 'exited');
    expect(checkpointer.running()).toBe(false);
    expect(statSync(`${path}-wal`).size).toBe(0);
    expect(statSync(path).size).toBeGreaterThan(0);

    started = events.next((e) => e.type === 'started');
    insert.run('second');
    await started;
    await checkpointer.stop();
    expect(statSync(`${path}-wal`).size).toBe(0);
    expect(errors).toEqual([]);
    db.close();
    const reopened = new SQLite(path, { readonly: true });
    expect(reopened.prepare('SELECT v FROM t ORDER BY rowid').all()).toEqual([{ v: 'first' }, { v: 'second' }]);
    reopened.close();
  });

  it('has a WAL written without pause start over, by holding the writes while it catches up', async () => {
    const { db, path } = walDatabase();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const row = 'x'.repeat(500);
    const gate = writeGate();
    const checkpointer = startCheckpointer(path, () => undefined, { intervalMs: 20, catchUpFrames: 10, pauseWrites: gate.pauseWrites });
    // A writer that commits a row on every turn of the event loop, as a gateway under steady load does: never a
    // gap for a checkpoint to reach the WAL's end on its own. It stops once it has been held three times.
    let rows = 0;
    const restarts: { before: number; after: number }[] = [];
    let releases = 0;
    while (restarts.length < 3) {
      await gate.passed();
      const first = gate.releases > releases;
      releases = gate.releases;
      const before = first ? walSequence(path) : 0;
      insert.run(row);
      rows += 1;
      // The first commit after a hold finds the WAL fully copied and starts it over.
      if (first) restarts.push({ before, after: walSequence(path) });
      await new Promise((r) => setImmediate(r));
    }
    await checkpointer.stop();
    expect(gate.holds).toBeGreaterThanOrEqual(3);
    for (const { before, after } of restarts) expect(after).toBe(before + 1);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: rows });
    db.close();
  });

  it('does not keep holding the writer while a reader (a backup) pins an old snapshot; once it lets go, catches up and cuts the grown WAL back', async () => {
    const { db, path } = walDatabase();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const row = 'x'.repeat(500);
    const gate = writeGate();
    let longWalTicks = 0;
    const limit = 128 * 1024;
    const events = eventLog();
    const checkpointer = startCheckpointer(path, () => undefined, {
      intervalMs: 20,
      catchUpFrames: 10,
      walSizeLimit: limit,
      pauseWrites: gate.pauseWrites,
      onEvent: (event) => {
        if (event.type === 'checkpointed' && event.log >= 10) longWalTicks += 1;
        events.onEvent(event);
      },
    });
    const writeUntil = async (done: () => boolean) => {
      while (!done()) {
        await gate.passed();
        insert.run(row);
        await new Promise((r) => setImmediate(r));
      }
    };
    const reader = new SQLite(path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get();
    // Eight checkpoints that found the WAL past catchUpFrames: each would have held the writer before.
    await writeUntil(() => longWalTicks >= 8);
    // A hold cannot get past the reader's snapshot: the first one shows it, more would only stall the writer.
    const whilePinned = gate.holds;
    expect(whilePinned).toBeLessThanOrEqual(1);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(limit);
    reader.exec('COMMIT');
    reader.close();
    let cut = false;
    // Cut back in steps of walStepBytes: on a loaded machine the WAL can grow past one step while pinned.
    void events.next((e) => e.type === 'cut-back' && e.toBytes <= limit).then(() => (cut = true));
    await writeUntil(() => cut);
    expect(gate.holds).toBeGreaterThan(whilePinned);
    // The thread cut the grown WAL back during a hold (this connection has no journal_size_limit: it never cuts the file).
    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(limit);
    await checkpointer.stop();
    db.close();
  });

  it('cuts a WAL that a reader let grow back in steps, one per hold, each of at most walStepBytes, and keeps every row', async () => {
    const { db, path } = walDatabase();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const limit = 256 * 1024;
    const step = 1024 * 1024;
    const events = eventLog();
    const gate = writeGate();
    const cuts: { fromBytes: number; toBytes: number; inHold: boolean; hold: number }[] = [];
    const checkpointer = startCheckpointer(path, () => undefined, {
      intervalMs: 20,
      catchUpFrames: 10,
      walSizeLimit: limit,
      walStepBytes: step,
      pauseWrites: gate.pauseWrites,
      onEvent: (event) => {
        if (event.type === 'cut-back') cuts.push({ fromBytes: event.fromBytes, toBytes: event.toBytes, inHold: gate.holding(), hold: gate.holds });
        events.onEvent(event);
      },
    });
    let rows = 0;
    const writeUntil = async (done: () => boolean) => {
      while (!done()) {
        await gate.passed();
        insert.run(`${rows} ${'x'.repeat(4_000)}`);
        rows += 1;
        await new Promise((r) => setImmediate(r));
      }
    };
    const reader = new SQLite(path, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get();
    // The reader's snapshot keeps the WAL from starting over: it grows past four steps above the limit.
    await writeUntil(() => statSync(`${path}-wal`).size > limit + 4 * step);
    expect(cuts).toEqual([]);
    const grown = statSync(`${path}-wal`).size;
    reader.exec('COMMIT');
    reader.close();
    let down = false;
    void events.next((e) => e.type === 'cut-back' && e.toBytes <= limit).then(() => (down = true));
    // Writes go on, one row between two checkpoints of the thread, until the file is back to the limit.
    while (!down) {
      await events.next((e) => e.type === 'checkpointed');
      await gate.passed();
      insert.run(`${rows} ${'x'.repeat(4_000)}`);
      rows += 1;
    }
    await checkpointer.stop();

    // At least four steps (each cuts at most `step`), each in a hold of its own.
    expect(cuts.length).toBeGreaterThanOrEqual(4);
    expect(new Set(cuts.map((cut) => cut.hold)).size).toBe(cuts.length);
    for (const cut of cuts) {
      expect(cut.inHold).toBe(true);
      expect(cut.fromBytes - cut.toBytes).toBeGreaterThan(0);
      expect(cut.fromBytes - cut.toBytes).toBeLessThanOrEqual(step);
    }
    expect(cuts[0]!.fromBytes).toBeGreaterThanOrEqual(grown);
    expect(cuts.at(-1)!.toBytes).toBe(limit);
    // Every row is there, whole, and the database file is sound.
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    const stored = db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all() as string[];
    expect(stored).toEqual(Array.from({ length: rows }, (_, i) => `${i} ${'x'.repeat(4_000)}`));
    db.close();
  });
});
