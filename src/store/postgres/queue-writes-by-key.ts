// Keeps one key's writes (a background run's) in call order: those queued while one commits go together in the next transaction.
import type { StoredWrite } from '../sqlite/write-statements.js';

interface Queued {
  write: StoredWrite | Promise<StoredWrite>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export type CommitWrites = (writes: StoredWrite[]) => Promise<unknown>;

/**
 * A write may still be serialising (a long input, in slices) when the next one for its key is queued: it is
 * awaited in its place, so the writes still commit in the order they were called.
 */
export function queueWritesByKey(commit: CommitWrites) {
  const queues = new Map<string, Queued[]>();

  async function drain(key: string, queue: Queued[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0);
      try {
        const writes: StoredWrite[] = [];
        for (const queued of batch) writes.push(await queued.write);
        await commit(writes);
        for (const queued of batch) queued.resolve();
      } catch (error) {
        for (const queued of batch) queued.reject(error);
      }
    }
    queues.delete(key);
  }

  return function enqueue(key: string, write: StoredWrite | Promise<StoredWrite>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = queues.get(key);
      if (queue) {
        queue.push({ write, resolve, reject });
        return;
      }
      const started: Queued[] = [{ write, resolve, reject }];
      queues.set(key, started);
      void drain(key, started);
    });
  };
}
