// Runs the store's write transactions on a worker thread with its own connection, so that neither the
// statements, the commit's fsync nor WAL checkpoints ever block the event loop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';

/**
 * The worker executes statements the main thread built with Kysely (so queries stay portable), each batch
 * in one transaction, and answers when it is committed. Its connection checkpoints the WAL as it commits.
 * Worker code is plain CommonJS given as a string, so it runs the same from compiled output and from the
 * TypeScript sources under test.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('foreign_keys = ON');
const statements = new Map();
const prepare = (sql) => {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size >= 200) statements.delete(statements.keys().next().value);
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
};
const runBatch = db.transaction((queries) => {
  for (const query of queries) prepare(query.sql).run(query.parameters);
});
parentPort.on('message', (message) => {
  if (message.stop) {
    try { db.pragma('wal_checkpoint(TRUNCATE)'); } catch {}
    db.close();
    parentPort.postMessage({ stopped: true });
    parentPort.close();
    return;
  }
  try {
    runBatch(message.queries);
    parentPort.postMessage({ id: message.id });
  } catch (err) {
    parentPort.postMessage({ id: message.id, error: String((err && err.message) || err) });
  }
});
`;

export interface WriteWorker {
  /** Runs the statements in one transaction; resolves once committed. */
  run(queries: readonly CompiledQuery[]): Promise<void>;
  stop(): Promise<void>;
}

export function startWriteWorker(path: string, synchronous: 'full' | 'normal'): WriteWorker {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { path, driver, synchronous: synchronous.toUpperCase() } });
  worker.unref();
  const pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  let nextId = 0;
  let stopped: (() => void) | undefined;
  let broken: Error | undefined;

  const failAll = (err: Error) => {
    broken = err;
    for (const entry of pending.values()) entry.reject(err);
    pending.clear();
  };
  worker.on('message', (message: { id?: number; error?: string; stopped?: boolean }) => {
    if (message.stopped) return stopped?.();
    const entry = pending.get(message.id!);
    pending.delete(message.id!);
    if (message.error) entry?.reject(new Error(`store write failed: ${message.error}`));
    else entry?.resolve();
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', () => failAll(new Error('the store writer thread has stopped')));

  return {
    run(queries) {
      if (broken) return Promise.reject(broken);
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, queries: queries.map((q) => ({ sql: q.sql, parameters: q.parameters })) });
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (broken) return resolve();
        stopped = resolve;
        worker.once('exit', () => resolve());
        worker.postMessage({ stop: true });
      }),
  };
}
