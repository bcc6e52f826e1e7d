// Writes finished responses durably: the writes of one event-loop turn share a transaction, and its fsync runs off the event loop.
import { close, fsync, open } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type { ConversionWarning, ResponseItem, ResponseObject } from '../../transformers/responses-types.js';

export interface ResponseRecord {
  owner: string;
  provider: string;
  upstreamId: string | null;
  previousResponseId: string | null;
  response: ResponseObject;
  /**
   * The input items of this turn only (not the resolved history), each with the id it is listed under and
   * the provider that made it (a copy of an earlier output keeps that output's; null: the client wrote it).
   */
  input: { id: string; item: ResponseItem; provider: string | null }[];
  /** `responseBody` as text, or as the UTF-8 bytes that arrived (stored as text all the same). */
  exchange?: { url: string; status: number; requestBody: string; responseBody: string | Uint8Array; warnings: ConversionWarning[] };
}

/**
 * A record as its statements' parameters, serialised once: the writer commits these, and a stored response
 * is sent to its client from the same JSON (`storedResponseJson`).
 */
export interface StoredRecord {
  responseRow: unknown[];
  /** The response's JSON without `output` (it is stored as items). */
  responseJson: string;
  itemRows: unknown[][];
  /** The JSON of each output item, in order. */
  outputJson: string[];
  exchangeRow: unknown[] | undefined;
  /** Characters written, to cut large batches into several transactions. */
  size: number;
}

export interface ResponseWriter {
  /** Resolves once the record is committed and on disk: callers acknowledge the client only after that. */
  write(record: StoredRecord): Promise<void>;
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
}

interface Pending {
  record: StoredRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * A transaction blocks the event loop while it writes; one that would write more than about this many
 * characters (several large outputs and their raw exchanges) is cut into several, with a turn of the event
 * loop between them. One record is never cut.
 */
const COMMIT_CHARS = 512 * 1024;

/** Pauses between two tries of a commit that found the database locked: from 1 ms, doubling, to at most this. */
const LOCKED_PAUSE_MAX_MS = 50;

/** SQLITE_BUSY and its extended codes: another connection holds the lock; nothing of this transaction was written. */
const isLocked = (err: unknown): boolean => typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY');

/**
 * Hot-path inserts go straight to prepared better-sqlite3 statements: Kysely (used for migrations and
 * reads) compiles every insert anew and runs each one through promises, which cost more than the insert.
 */
export function createResponseWriter(sqlite: BetterSqlite3.Database, { syncFile, lockWaitMs = 30_000, onLockWait }: WriterOptions): ResponseWriter {
  const insertResponse = sqlite.prepare(
    `INSERT INTO responses (id, owner, created_at, status, model, provider, upstream_id, previous_response_id, response_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertItem = sqlite.prepare(
    'INSERT INTO items (response_id, direction, position, owner, id, type, provider, item_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  // A stream's raw body arrives as bytes: SQLite stores a BLOB cast to TEXT as the same UTF-8 bytes, so it
  // is never joined and re-encoded in JavaScript.
  const insertExchange = sqlite.prepare(
    `INSERT INTO upstream_exchanges (response_id, owner, provider, url, status, request_body, response_body, warnings_json, created_at)
     VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?, ?)`,
  );
  const commitGroup = sqlite.transaction((group: Pending[]) => {
    for (const { record } of group) {
      insertResponse.run(record.responseRow);
      for (const item of record.itemRows) insertItem.run(item);
      if (record.exchangeRow) insertExchange.run(record.exchangeRow);
    }
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
      left = commit(left, committed);
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

/** The statements' parameters for one record, built once (items in the column order of `insertItem`). */
export function serializeRecord(record: ResponseRecord): StoredRecord {
  const { response, owner, provider, exchange, input } = record;
  const { output: _output, ...rest } = response;
  const responseJson = JSON.stringify(rest);
  let size = responseJson.length;
  const itemRows: unknown[][] = [];
  input.forEach(({ id, item, provider: madeBy }, position) => {
    const json = JSON.stringify(item);
    size += json.length;
    itemRows.push([response.id, 'input', position, owner, id, item.type ?? 'message', madeBy, json]);
  });
  const outputJson = response.output.map((item, position) => {
    const json = JSON.stringify(item);
    size += json.length;
    itemRows.push([response.id, 'output', position, owner, item.id ?? `${response.id}_out_${position}`, item.type, provider, json]);
    return json;
  });
  let exchangeRow: unknown[] | undefined;
  if (exchange) {
    const { url, status, requestBody, responseBody, warnings } = exchange;
    exchangeRow = [response.id, owner, provider, url, status, requestBody, responseBody, JSON.stringify(warnings), response.created_at];
    size += requestBody.length + responseBody.length;
  }
  return {
    responseRow: [response.id, owner, response.created_at, response.status, response.model, provider, record.upstreamId, record.previousResponseId, responseJson],
    responseJson,
    itemRows,
    outputJson,
    exchangeRow,
    size,
  };
}

/** The stored response as JSON text, joined from its stored parts: `output` comes last, as a GET returns it. */
export function storedResponseJson(record: StoredRecord): string {
  return `${record.responseJson.slice(0, -1)},"output":[${record.outputJson.join(',')}]}`;
}
