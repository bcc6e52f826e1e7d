// Writes finished responses durably: the writes of one event-loop turn share a transaction, and its fsync runs off the event loop.
import { close, fsync, open } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type { ConversionWarning, ResponseItem, ResponseObject } from '../../transformers/responses-types.js';
import type { ItemsTable } from './schema.js';

export interface ResponseRecord {
  owner: string;
  provider: string;
  upstreamId: string | null;
  previousResponseId: string | null;
  response: ResponseObject;
  /** The input items of this turn only (not the resolved history), each with the id it is listed under. */
  input: { id: string; item: ResponseItem }[];
  exchange?: { url: string; status: number; requestBody: string; responseBody: string; warnings: ConversionWarning[] };
}

export interface ResponseWriter {
  /** Resolves once the record is committed and on disk: callers acknowledge the client only after that. */
  write(record: ResponseRecord): Promise<void>;
  /** Waits for everything queued so far. */
  flush(): Promise<void>;
  /** Flushes, then releases the file it syncs. */
  close(): Promise<void>;
}

export interface WriterOptions {
  /**
   * The WAL file to fsync after each commit (`database.synchronous: full`), or undefined to rely on the
   * WAL write alone (`normal`, or an in-memory database). The connection itself runs `synchronous=NORMAL`:
   * SQLite would fsync inside the commit, on the event loop; here the fsync runs on libuv's thread pool
   * while the event loop serves other requests, and a batch is acknowledged only once it has returned.
   */
  syncFile: string | undefined;
}

interface Pending {
  record: ResponseRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Hot-path inserts go straight to prepared better-sqlite3 statements: Kysely (used for migrations and
 * reads) compiles every insert anew and runs each one through promises, which cost more than the insert.
 */
export function createResponseWriter(sqlite: BetterSqlite3.Database, { syncFile }: WriterOptions): ResponseWriter {
  const insertResponse = sqlite.prepare(
    `INSERT INTO responses (id, owner, created_at, status, model, provider, upstream_id, previous_response_id, response_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertItem = sqlite.prepare(
    'INSERT INTO items (response_id, direction, position, owner, id, type, provider, item_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertExchange = sqlite.prepare(
    `INSERT INTO upstream_exchanges (response_id, owner, provider, url, status, request_body, response_body, warnings_json, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const commitBatch = sqlite.transaction((batch: Pending[]) => {
    for (const { record } of batch) {
      const { response, owner, provider, exchange } = record;
      const { output: _output, ...rest } = response;
      insertResponse.run(response.id, owner, response.created_at, response.status, response.model, provider, record.upstreamId, record.previousResponseId, JSON.stringify(rest));
      for (const row of itemRows(record)) {
        insertItem.run(row.response_id, row.direction, row.position, row.owner, row.id, row.type, row.provider, row.item_json);
      }
      if (exchange) {
        insertExchange.run(response.id, owner, provider, exchange.url, exchange.status, exchange.requestBody, exchange.responseBody, JSON.stringify(exchange.warnings), response.created_at);
      }
    }
  });

  const commitOne = (entry: Pending, committed: Pending[]) => {
    try {
      commitBatch([entry]);
      committed.push(entry);
    } catch (err) {
      entry.reject(err);
    }
  };

  const sync = syncFile === undefined ? undefined : fileSyncer(syncFile);
  let queue: Pending[] = [];
  /** The cycle in flight (commit, then fsync). Writes that arrive meanwhile wait and share the next one. */
  let running: Promise<void> | undefined;

  const cycle = async () => {
    // Group commit: one cycle at a time, so under load batches grow instead of commits and fsyncs.
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      // A record that cannot be written (say, a constraint) must not fail the others it was grouped with:
      // the batch rolls back whole, and its records are tried again one by one.
      const committed: Pending[] = [];
      try {
        commitBatch(batch);
        committed.push(...batch);
      } catch (err) {
        if (batch.length === 1) batch[0]!.reject(err);
        else for (const entry of batch) commitOne(entry, committed);
      }
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

function itemRows({ response, owner, provider, input }: ResponseRecord): ItemsTable[] {
  const rows: ItemsTable[] = input.map(({ id, item }, position) => ({
    response_id: response.id,
    direction: 'input',
    position,
    owner,
    id,
    type: item.type ?? 'message',
    provider: null,
    item_json: JSON.stringify(item),
  }));
  response.output.forEach((item, position) => {
    rows.push({
      response_id: response.id,
      direction: 'output',
      position,
      owner,
      id: item.id ?? `${response.id}_out_${position}`,
      type: item.type,
      provider,
      item_json: JSON.stringify(item),
    });
  });
  return rows;
}
