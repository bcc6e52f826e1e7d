// The ResponseStore on SQLite: writes through the grouped writer (shared transactions, fsync off the event loop), reads through Kysely.
import type { ResponseStore } from '../response-store.js';
import { createSharedStoreMethods } from './create-shared-store-methods.js';
import type { OpenedDatabase } from './open-database.js';
import { deleteResponse } from './responses-repository.js';
import { retryWhileLocked } from './retry-while-locked.js';
import {
  serializeEvents,
  serializeNotices,
  serializeResponse,
  serializeRunFinish,
  serializeRunRestart,
  serializeRunStart,
  serializeRunUpdate,
  storedResponseJson,
} from './serialize-writes.js';

export function createSqliteStore({ db, writer, close }: OpenedDatabase): ResponseStore {
  /**
   * Runs whose first write is still being serialised (a long input, a slice per turn of the event loop): a
   * run's later writes wait for it to be queued, so that the writer gets every run's writes in call order.
   */
  const starting = new Map<string, Promise<void>>();
  const inOrder = <T>(id: string, write: () => Promise<T>): Promise<T> => {
    const pending = starting.get(id);
    return pending ? pending.then(write, write) : write();
  };

  return {
    // Reads, and the conversation, retention and outbox writes, through the writer.
    ...createSharedStoreMethods(db, (stored) => writer.write(stored)),
    async saveResponse(record, notices) {
      const serialized = serializeResponse(record, 'whole');
      // Only a long history is serialised in slices (a promise); an ordinary record costs no extra turn.
      const stored = serializeNotices(notices, serialized instanceof Promise ? await serialized : serialized);
      await writer.write(stored);
      return storedResponseJson(stored);
    },
    async createRun(run) {
      const serialized = serializeRunStart(run);
      if (!(serialized instanceof Promise)) return writer.write(serialized);
      const id = run.response.id;
      let written: Promise<void> | undefined;
      const queued = serialized.then((stored) => {
        written = writer.write(stored);
      });
      starting.set(id, queued);
      try {
        await queued;
      } finally {
        if (starting.get(id) === queued) starting.delete(id);
      }
      return written;
    },
    updateRun: (id, response, holder) => inOrder(id, () => writer.write(serializeRunUpdate(id, response, holder))),
    appendEvents: (id, events, holder) => inOrder(id, async () => (events.length > 0 ? writer.write(serializeEvents(id, events, undefined, holder)) : undefined)),
    finishRun: (record, events, notices) =>
      inOrder(record.response.id, async () => {
        const stored = serializeRunFinish(record, events, notices);
        await writer.write(stored);
        return storedResponseJson(stored);
      }),
    restartRun: (id, holder) => inOrder(id, () => writer.write(serializeRunRestart(id, holder))),
    // Outside the writer (a rare write): another process's write lock is waited for off the event loop, and
    // past the wait the caller gets a 503 `store_busy` it may retry.
    deleteResponse: (owner, id) => retryWhileLocked(() => deleteResponse(db, owner, id)),
    flush: () => writer.flush(),
    close,
  };
}
