// Moves SQLite's WAL checkpoints off the event loop: a worker thread with its own connection checkpoints on a timer while there is anything to checkpoint.
import { stat } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Checkpointing copies the WAL into the database and fsyncs it; run by the committing connection (SQLite's
 * default) it stalls every request for tens of milliseconds now and then. The main connection turns its
 * auto-checkpoint off and this worker does the job in the background. Worker code is plain CommonJS given
 * as a string, so it runs the same from compiled output and from the TypeScript sources under test.
 *
 * A PASSIVE checkpoint never waits for the writer, so under steady writes it never reaches the WAL's end,
 * and SQLite starts the WAL over only from a fully copied one: left alone it grows without bound (measured:
 * 620 MB in 24 s at 800 responses/s), and every commit then extends a file instead of overwriting one. So
 * once the WAL is past `catchUpFrames`, the thread asks the main thread to hold its commits for a moment,
 * copies the few frames written meanwhile, and lets them go: the next commit starts the WAL over.
 *
 * Holding the writer helps only when the tail is short and nothing else holds it: after a long copy (its tail,
 * written meanwhile, is long too) the thread copies again at once without the hold; and while a reader keeps an
 * old snapshot (a backup reads one for seconds) no checkpoint can pass it, so the thread does not
 * hold the writer again until the checkpoint moves past where the last hold stopped. The idle TRUNCATE does not
 * wait for such a reader either: it would hold the write lock while it waited. And the WAL such a reader let grow
 * (hundreds of MB) is emptied by this thread during the next hold: otherwise the main thread's next commit
 * would cut it back to `WAL_SIZE_LIMIT` itself, on the event loop (measured: 612 ms for 790 MB).
 *
 * The thread is a second V8 isolate (about 10 MB), so it runs only while writes come: once it has seen no
 * new WAL frame for `idleChecks` checkpoints in a row, it truncates the WAL and exits. A WAL that holds frames
 * again (the main thread polls its size) starts a new one.
 */
const WORKER = `
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const checkpoint = (mode) => {
  try {
    return db.pragma('wal_checkpoint(' + mode + ')')[0];
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
    return undefined;
  }
};
const finish = () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
};
// A TRUNCATE checkpoint that gives up at once when a reader or the writer is busy: waiting, it would hold the write lock.
const emptyWal = () => {
  db.pragma('busy_timeout = 0');
  const emptied = checkpoint('TRUNCATE');
  db.pragma('busy_timeout = 5000');
  return emptied;
};
const walBytes = () => {
  try {
    return statSync(workerData.path + '-wal').size;
  } catch {
    return 0; // no WAL file: nothing to cut back
  }
};
let idle = 0;
let lastFrames = -1;
let catchingUp = false;
// Where a checkpoint with the writer held stopped short of the WAL's end: a reader's snapshot, -1 when none.
let pinnedAt = -1;
const timer = setInterval(() => {
  if (catchingUp) return;
  let started = Date.now();
  let done = checkpoint('PASSIVE');
  for (let i = 0; done && done.log >= workerData.catchUpFrames && Date.now() - started > workerData.slowCopyMs && i < 3; i++) {
    started = Date.now();
    done = checkpoint('PASSIVE');
  }
  if (!done) return;
  if (workerData.report) parentPort.postMessage({ checkpointed: done });
  // A WAL this long has not started over since the last tick: the writer never found it fully copied.
  if (done.log >= workerData.catchUpFrames) {
    if (done.checkpointed === pinnedAt) return;
    pinnedAt = -1;
    catchingUp = true;
    parentPort.postMessage({ catchUp: true });
    return;
  }
  idle = done.log === lastFrames && done.checkpointed === done.log ? idle + 1 : 0;
  lastFrames = done.log;
  if (idle < workerData.idleChecks) return;
  // Everything is in the database file already: empty the WAL and leave, unless a reader holds it.
  const emptied = emptyWal();
  if (emptied && emptied.busy === 0 && emptied.log === 0) finish();
  else idle = 0;
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'go') {
    // The main thread holds its commits: this one reaches the WAL's end, unless a reader holds an older snapshot.
    const done = checkpoint('PASSIVE');
    if (done && done.checkpointed < done.log) pinnedAt = done.checkpointed;
    else if (done && walBytes() > workerData.walSizeLimit) emptyWal();
    catchingUp = false;
    parentPort.postMessage({ caughtUp: true });
  } else if (message === 'stop') {
    checkpoint('TRUNCATE');
    finish();
  }
});
`;

/** The WAL size SQLite cuts the file back to when it starts over (the main connection's `journal_size_limit`). */
export const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

export interface CheckpointerOptions {
  /** How often the thread checkpoints, and how often an idle main thread looks at the WAL's size. */
  intervalMs?: number;
  /** How long the thread waits without a new WAL frame before it exits. */
  idleStopMs?: number;
  /** WAL frames (pages) past which the thread catches up with the writer, so that the WAL starts over. */
  catchUpFrames?: number;
  /** A checkpoint longer than this is followed at once by another, without the hold, before the writer is held. */
  slowCopyMs?: number;
  /** A WAL file past this size is emptied during a hold (by default `WAL_SIZE_LIMIT`). */
  walSizeLimit?: number;
  /** Holds the main thread's commits until the returned function is called (the response writer's pause). */
  pauseWrites?: () => () => void;
  /** Told what the checkpointer does, as it does it; tests wait on these instead of on the clock. */
  onEvent?: (event: CheckpointerEvent) => void;
}

/** What the checkpointer reports to `onEvent`. */
export type CheckpointerEvent =
  /** An idle main thread looked at the WAL (its size in bytes; 0 or missing starts no thread). */
  | { type: 'polled'; walBytes: number }
  | { type: 'started' }
  /** One timed PASSIVE checkpoint: the WAL's frames, and how many of them are in the database file. */
  | { type: 'checkpointed'; log: number; checkpointed: number }
  /** The main thread's commits were held while the thread reached the WAL's end, and are released again. */
  | { type: 'caught-up' }
  | { type: 'exited' };

export interface Checkpointer {
  /** Whether the checkpointer thread is running now. */
  running(): boolean;
  /** Truncates the WAL (when the thread runs) and stops for good. */
  stop(): Promise<void>;
}

interface WorkerMessage {
  error?: string;
  checkpointed?: { log: number; checkpointed: number };
  catchUp?: boolean;
  caughtUp?: boolean;
}

export function startCheckpointer(path: string, onError: (message: string) => void, options: CheckpointerOptions = {}): Checkpointer {
  const { intervalMs = 1_000, idleStopMs = 30_000, catchUpFrames = 1_000, slowCopyMs = 50, walSizeLimit = WAL_SIZE_LIMIT, onEvent } = options;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const wal = `${path}-wal`;
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;

  const spawn = () => {
    const idleChecks = Math.max(1, Math.ceil(idleStopMs / intervalMs));
    const thread = new Worker(WORKER, {
      eval: true, workerData: { path, driver, intervalMs, idleChecks, catchUpFrames, slowCopyMs, walSizeLimit, report: onEvent !== undefined },
    });
    thread.unref();
    let resume: (() => void) | undefined;
    const release = () => {
      resume?.();
      resume = undefined;
    };
    thread.on('message', (message: WorkerMessage) => {
      if (message.error) onError(message.error);
      if (message.checkpointed) onEvent?.({ type: 'checkpointed', log: message.checkpointed.log, checkpointed: message.checkpointed.checkpointed });
      if (message.catchUp) {
        // Commits are synchronous on this thread, so none is half-written while this runs.
        resume = options.pauseWrites?.();
        thread.postMessage('go');
      }
      if (message.caughtUp) {
        release();
        onEvent?.({ type: 'caught-up' });
      }
    });
    thread.on('error', (err) => onError(err.message));
    worker = thread;
    onEvent?.({ type: 'started' });
    exited = new Promise<void>((resolve) =>
      thread.once('exit', () => {
        release();
        if (worker === thread) worker = undefined;
        onEvent?.({ type: 'exited' });
        resolve();
      }),
    );
  };

  // While no thread runs, a WAL with frames in it (from any connection's writes) starts one.
  const poll = setInterval(() => {
    if (worker || stopped) return;
    stat(wal, (err, stats) => {
      if (stopped) return;
      onEvent?.({ type: 'polled', walBytes: err ? 0 : stats.size });
      if (!err && stats.size > 0 && !worker) spawn();
    });
  }, intervalMs);
  poll.unref();

  return {
    running: () => worker !== undefined,
    async stop() {
      stopped = true;
      clearInterval(poll);
      worker?.postMessage('stop');
      await exited;
    },
  };
}
