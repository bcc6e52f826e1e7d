// Writes the store's rows durably (responses, runs, their events): the writes of one event-loop turn share a transaction, and its fsync runs off the event loop.
import { close, fsync, open } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { slicedCommitter } from './commit-in-slices.js';
import { isLocked, LOCKED_PAUSE_MAX_MS } from './retry-while-locked.js';
import { SLICE_CHARS } from './serialize-writes.js';
import { prepareStatements, writeRow, type StoredWrite } from './write-statements.js';

export interface ResponseWriter {
  /** Resolves once the write is committed and on disk: callers acknowledge the client only after that. */
  write(write: StoredWrite): Promise<void>;
  /** Waits for everything queued so far. */
  flush(): Promise<void>;
  /** Flushes, then releases the file it syncs. */
  close(): Promise<void>;
  /**
   * Holds back every commit until the returned function is called (a commit never runs while this is called:
   * commits are synchronous on this thread). The checkpointer uses it to catch up with the WAL's end.
   */
  pause(): () => void;
}

export interface WriterOptions {
  /**
   * The WAL file to fsync after each commit (`database.synchronous: full`), or undefined to rely on the
   * WAL write alone (`normal`, or an in-memory database). The connection itself runs `synchronous=NORMAL`:
   * SQLite would fsync inside the commit, on the event loop; here the fsync runs on libuv's thread pool
   * while the event loop serves other requests, and a batch is acknowledged only once it has returned.
   */
  syncFile: string | undefined;
  /**
   * How long a batch waits for a write lock that another connection holds before its records fail (default
   * 30 s). The wait never blocks the event loop: the commit is tried again after a growing pause.
   */
  lockWaitMs?: number;
  /** Told once when commits start waiting for another connection's write lock, and once when they stop. */
  onLockWait?: (event: { state: 'waiting' } | { state: 'released'; waitedMs: number; gaveUp: boolean }) => void;
  /** Told how long each batch took to commit and sync, in ms (once per batch, not per record). */
  onCommit?: (ms: number) => void;
}

interface Pending {
  record: StoredWrite;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * A transaction blocks the event loop while it writes; one that would write more than about this many
 * characters (several large outputs and their raw exchanges) is cut into several, with a turn of the event
 * loop between them. One record is never cut (a very large one is committed in slices of one transaction, below).
 */
const COMMIT_CHARS = SLICE_CHARS;

/**
 * A record larger than this (a long history of input items, stored with its raw exchange) is committed in
 * slices on a second connection (commit-in-slices.ts): one transaction of it would hold the event loop for
 * hundreds of milliseconds (650 ms for a 45 MB Codex request).
 */
const SLICED_RECORD_CHARS = 4 * COMMIT_CHARS;


/**
 * Hot-path inserts go straight to prepared better-sqlite3 statements: Kysely (used for migrations and
 * reads) compiles every insert anew and runs each one through promises, which cost more than the insert.
 */
export function createResponseWriter(sqlite: BetterSqlite3.Database, { syncFile, lockWaitMs = 30_000, onLockWait, onCommit }: WriterOptions): ResponseWriter {
  const statements = prepareStatements(sqlite);
  const commitGroup = sqlite.transaction((group: Pending[]) => {
    for (const { record } of group) for (const row of record.rows) writeRow(statements, row);
  });

  // A busy timeout would make a commit that finds the lock taken sleep inside SQLite, on the event loop: the
  // connection gets none, and a locked commit is tried again later (commitWhenOpen). Reads in WAL mode never
  // wait for a writer, and a read transaction that turns into a write (DELETE) fails at once either way.
  sqlite.pragma('busy_timeout = 0');
  /** BEGIN IMMEDIATE: a lock held elsewhere fails the BEGIN, before any row is written. */
  const commitNow = (group: Pending[]) => commitGroup.immediate(group);

  /**
   * Commits a group and returns what is left to commit because another connection holds the write lock
   * (nothing of it was written). A record that cannot be written (say, a constraint) must not fail the others
   * it was grouped with: the group rolls back whole, and its records are tried again one by one.
   */
  const commit = (group: Pending[], committed: Pending[]): Pending[] => {
    try {
      commitNow(group);
      for (const entry of group) committed.push(entry);
      return [];
    } catch (err) {
      if (isLocked(err)) return group;
      if (group.length === 1) {
        group[0]!.reject(err);
        return [];
      }
      const left: Pending[] = [];
      for (const entry of group) {
        if (left.length > 0) left.push(entry);
        else left.push(...commit([entry], committed));
      }
      return left;
    }
  };

  // An in-memory database cannot be opened twice: its large records are committed whole.
  const sliced = sqlite.memory ? undefined : slicedCommitter(sqlite.name, COMMIT_CHARS);
  /** A large record alone in its group, in slices; returns it when the database was locked. */
  const commitLarge = async (entry: Pending, committed: Pending[]): Promise<Pending[]> => {
    try {
      if ((await sliced!.commit(entry.record)) === 'locked') return [entry];
      committed.push(entry);
    } catch (err) {
      entry.reject(err);
    }
    return [];
  };

  const sync = syncFile === undefined ? undefined : fileSyncer(syncFile);
  /** While set, commits wait for it (see pause()). */
  let held: Promise<void> | undefined;
  /** Commits a group, waiting (off the event loop) for a pause to end and for a write lock held elsewhere. */
  const commitWhenOpen = async (group: Pending[], committed: Pending[]) => {
    let left = group;
    let pauseMs = 1;
    let waitingSince: number | undefined;
    for (;;) {
      while (held) await held;
      left = sliced && left.length === 1 && left[0]!.record.size > SLICED_RECORD_CHARS ? await commitLarge(left[0]!, committed) : commit(left, committed);
      if (left.length === 0) break;
      const now = Date.now();
      if (waitingSince === undefined) {
        waitingSince = now;
        onLockWait?.({ state: 'waiting' });
      }
      if (now - waitingSince >= lockWaitMs) {
        const err = Object.assign(new Error(`the database stayed locked by another connection for ${lockWaitMs} ms`), { code: 'SQLITE_BUSY' });
        for (const entry of left) entry.reject(err);
        onLockWait?.({ state: 'released', waitedMs: now - waitingSince, gaveUp: true });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      pauseMs = Math.min(pauseMs * 2, LOCKED_PAUSE_MAX_MS);
    }
    if (waitingSince !== undefined) onLockWait?.({ state: 'released', waitedMs: Date.now() - waitingSince, gaveUp: false });
  };
  let queue: Pending[] = [];
  /** The cycle in flight (commit, then fsync). Writes that arrive meanwhile wait and share the next one. */
  let running: Promise<void> | undefined;

  const cycle = async () => {
    // Group commit: one cycle at a time, so under load batches grow instead of commits and fsyncs.
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const began = onCommit ? performance.now() : 0;
      const committed: Pending[] = [];
      let group: Pending[] = [];
      let size = 0;
      for (const entry of batch) {
        if (group.length > 0 && size + entry.record.size > COMMIT_CHARS) {
          await commitWhenOpen(group, committed);
          group = [];
          size = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        group.push(entry);
        size += entry.record.size;
      }
      if (group.length > 0) await commitWhenOpen(group, committed);
      try {
        if (sync && committed.length > 0) await sync();
        if (onCommit && committed.length > 0) onCommit(performance.now() - began);
        for (const entry of committed) entry.resolve();
      } catch (err) {
        for (const entry of committed) entry.reject(err);
      }
    }
    running = undefined;
  };

  const flush = async () => {
    while (running) await running;
  };

  return {
    write(record) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ record, resolve, reject });
        // setImmediate: everything written in this event-loop turn joins the first batch.
        running ??= new Promise<void>((done) => setImmediate(() => void cycle().then(done)));
      });
    },
    flush,
    async close() {
      await flush();
      sliced?.close();
      await sync?.close();
    },
    pause() {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      held = gate;
      return () => {
        if (held === gate) held = undefined;
        open();
      };
    },
  };
}

/** fsync(2) of one file on libuv's thread pool; the descriptor is opened once and kept. */
function fileSyncer(path: string): { (): Promise<void>; close(): Promise<void> } {
  let fd: Promise<number> | undefined;
  const descriptor = () =>
    (fd ??= new Promise<number>((resolve, reject) => open(path, 'r', (err, opened) => (err ? reject(err) : resolve(opened))))).catch((err: unknown) => {
      fd = undefined; // try again on the next commit
      throw err;
    });
  const syncNow = async () => {
    const opened = await descriptor();
    await new Promise<void>((resolve, reject) => fsync(opened, (err) => (err ? reject(err) : resolve())));
  };
  return Object.assign(syncNow, {
    async close() {
      const opened = await fd?.catch(() => undefined);
      fd = undefined;
      if (opened !== undefined) await new Promise<void>((resolve) => close(opened, () => resolve()));
    },
  });
}
