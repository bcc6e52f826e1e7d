// Moves SQLite's WAL checkpoints off the event loop: a worker thread with its own connection checkpoints on a timer.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpointing copies the WAL into the database and fsyncs it; run by the committing connection (SQLite's
 * default) it stalls every request for tens of milliseconds now and then. The main connection turns its
 * auto-checkpoint off and this worker does the job in the background. Worker code is plain CommonJS given
 * as a string, so it runs the same from compiled output and from the TypeScript sources under test.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const checkpoint = (mode) => {
  try {
    db.pragma('wal_checkpoint(' + mode + ')');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(() => checkpoint('PASSIVE'), workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint('TRUNCATE');
  db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, onError: (message: string) => void, intervalMs = 1_000): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { path, driver, intervalMs } });
  worker.unref();
  let stopped: (() => void) | undefined;
  worker.on('message', (message: { error?: string; stopped?: boolean }) => {
    if (message.error) onError(message.error);
    if (message.stopped) stopped?.();
  });
  worker.on('error', (err) => onError(err.message));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        stopped = resolve;
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
