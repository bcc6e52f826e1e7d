// The ResponseStore on PostgreSQL: the same statement rows as SQLite's writer, each write one transaction (a run's in call order, the saves of one event-loop turn together), reads through Kysely.
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { ResponseStore } from '../response-store.js';
import type { Database } from '../schema/index.js';
import { createSharedStoreMethods } from '../sqlite/create-shared-store-methods.js';
import { serializeExpiry } from '../sqlite/serialize-conversation-writes.js';
import {
  serializeEvents,
  serializeNotices,
  serializeResponse,
  serializeRunFinish,
  serializeRunRestart,
  serializeRunStart,
  serializeRunUpdate,
  storedResponseJson,
} from '../sqlite/serialize-writes.js';
import type { StoredWrite } from '../sqlite/write-statements.js';
import { groupSaves } from './group-saves.js';
import { createPostgresKeyUsage } from './postgres-key-usage.js';
import { queueWritesByKey } from './queue-writes-by-key.js';
import { runPostgresWrite, type WriteGuard } from './run-postgres-write.js';

export interface OpenedPostgres {
  /** Kysely over the pool: migrations and reads. */
  db: Kysely<Database>;
  /** The same pool, for the writes' transactions. */
  pool: pg.Pool;
  /** Told each write transaction's duration (from taking a connection to its commit), in ms: the metrics' store commit latency. */
  onCommit?: (ms: number) => void;
}

export function createPostgresStore({ db, pool, onCommit }: OpenedPostgres): ResponseStore {
  const transact = async (writes: StoredWrite[], guard?: WriteGuard): Promise<boolean> => {
    const began = performance.now();
    const done = await runPostgresWrite(pool, writes, guard);
    onCommit?.(performance.now() - began);
    return done;
  };
  /** Every write not yet settled, for flush(). */
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight.add(promise);
    const settled = () => inFlight.delete(promise);
    promise.then(settled, settled);
    return promise;
  };
  const commit = (write: StoredWrite | Promise<StoredWrite>, guard?: WriteGuard): Promise<boolean> =>
    track(Promise.resolve(write).then((stored) => transact([stored], guard)));
  const enqueue = queueWritesByKey((writes) => transact(writes));
  /** A finished response's save, in one transaction with the other saves of its event-loop turn. */
  const saveInGroup = groupSaves((writes) => transact(writes));
  /** A background run's writes, in the order they are called (createRun's first). */
  const runWrite = (id: string, write: StoredWrite | Promise<StoredWrite>): Promise<void> => track(enqueue(id, write));
  const flush = async () => {
    await Promise.allSettled([...inFlight]);
  };
  let closed: Promise<void> | undefined;

  return {
    // Reads, and the conversation, retention and outbox writes, each one transaction.
    ...createSharedStoreMethods(db, (stored) => commit(stored)),
    async saveResponse(record, notices) {
      const serialized = serializeResponse(record, 'whole');
      const stored = serializeNotices(notices, serialized instanceof Promise ? await serialized : serialized);
      await track(saveInGroup(stored));
      return storedResponseJson(stored);
    },
    createRun: (run) => runWrite(run.response.id, serializeRunStart(run)),
    updateRun: (id, response, holder) => runWrite(id, serializeRunUpdate(id, response, holder)),
    appendEvents: async (id, events, holder) => (events.length > 0 ? runWrite(id, serializeEvents(id, events, undefined, holder)) : undefined),
    async finishRun(record, events, notices) {
      const stored = serializeRunFinish(record, events, notices);
      await runWrite(record.response.id, stored);
      return storedResponseJson(stored);
    },
    restartRun: (id, holder) => runWrite(id, serializeRunRestart(id, holder)),
    // The rows retention deletes a response with, behind the owner's check, in one transaction.
    deleteResponse: (owner, id) =>
      commit(serializeExpiry([id], []), async (client) => {
        const found = await client.query('SELECT 1 FROM responses WHERE id = $1 AND owner = $2 FOR UPDATE', [id, owner]);
        return found.rows.length > 0;
      }),
    // Every instance on this database counts its keys' limits here.
    keyUsage: createPostgresKeyUsage(db, track),
    flush,
    close() {
      // Once: a second close (a test's, then its cleanup's) waits for the first.
      closed ??= flush().then(() => db.destroy());
      return closed;
    },
  };
}
