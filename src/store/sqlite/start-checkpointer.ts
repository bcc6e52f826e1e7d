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
 * wait for such a reader either: it would hold the write lock while it waited.
 *
 * The WAL file such a reader let grow (hundreds of MB) is cut back by this thread, never by the main connection
 * (its `journal_size_limit` is -1: its commit would truncate on the event loop, measured 612 ms for 790 MB), and
 * not at once: truncating 554 MB in one hold held the commits for 310 ms. A connection that starts a fully
 * copied WAL over cuts the file back to its `journal_size_limit` as it commits, so during each hold this thread
 * starts the WAL over itself, with a limit `walStepBytes` below the file's size, until the file is down to
 * `walSizeLimit`: one short hold per step (a 1.1 GB WAL: 17 holds, the longest 50 ms). Before each hold it
 * fsyncs the database file: after a copy of hundreds of MB, SQLite's own flush inside the hold otherwise took
 * 235–308 ms.
 *
 * The thread is a second V8 isolate (about 10 MB), so it runs only while writes come: once it has seen no
 * new WAL frame for `idleChecks` checkpoints in a row, it truncates the WAL and exits. A WAL that holds frames
 * again (the main thread polls its size) starts a new one.
 */
const WORKER = `
const { closeSync, fsyncSync, openSync, statSync } = require('node:fs');
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
// Starts a fully copied WAL over from this connection, which cuts the file back to its journal_size_limit as the
// first commit of the new WAL ends: at most walStepBytes at a time, so that no single hold waits on a long truncate.
// The commit writes page 1 as it is (user_version set to itself): a frame that changes nothing, but a frame.
// Gives up at once when another connection holds a read lock on the WAL (then SQLite appends instead of
// starting over) or the write lock; returns whether the file got shorter.
const cutBack = () => {
  const from = walBytes();
  db.pragma('journal_size_limit = ' + Math.max(workerData.walSizeLimit, from - workerData.walStepBytes));
  db.pragma('busy_timeout = 0');
  try {
    rewritePage1();
  } catch (err) {
    if (!String(err && err.code).startsWith('SQLITE_BUSY')) parentPort.postMessage({ error: String(err && err.message || err) });
  } finally {
    db.pragma('busy_timeout = 5000');
  }
  const to = walBytes();
  if (to < from) parentPort.postMessage({ cutBack: { fromBytes: from, toBytes: to } });
  return to < from;
};
const rewritePage1 = db.transaction(() => {
  db.pragma('user_version = ' + db.pragma('user_version', { simple: true }));
}).immediate;
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
// Where a hold got nowhere (a reader's snapshot stopped the checkpoint short of the WAL's end, or kept the WAL
// from starting over), -1 when none: no new hold until the checkpoint moves on.
let pinnedAt = -1;
// SQLite's checkpoints flush the database file with fdatasync; after a copy of hundreds of MB the first full
// fsync still took 235-308 ms (ext4, discard). Made here, outside the hold, it is not paid inside it.
const flushDatabase = () => {
  try {
    const fd = openSync(workerData.path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const hold = () => {
  const flushing = Date.now();
  flushDatabase();
  // A slow flush (449 ms after a 1.1 GB copy) let frames pile up meanwhile: copy them now, not in the hold.
  if (Date.now() - flushing > workerData.slowCopyMs) checkpoint('PASSIVE');
  pinnedAt = -1;
  catchingUp = true;
  parentPort.postMessage({ catchUp: true });
};
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
    hold();
    return;
  }
  idle = done.log === lastFrames && done.checkpointed === done.log ? idle + 1 : 0;
  lastFrames = done.log;
  // A file still longer than walSizeLimit (a reader let it grow, a burst, a step cut back not far enough) is cut
  // back one step per hold, also when idle, rather than truncated at once.
  if (done.checkpointed === done.log && walBytes() > workerData.walSizeLimit && (done.checkpointed !== pinnedAt || idle >= workerData.idleChecks)) {
    idle = 0;
    hold();
    return;
  }
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
    else if (done && walBytes() > workerData.walSizeLimit && !cutBack()) pinnedAt = done.checkpointed;
    catchingUp = false;
    parentPort.postMessage({ caughtUp: true });
  } else if (message === 'stop') {
    checkpoint('TRUNCATE');
    finish();
  }
});
`;

/** The size the checkpointer thread cuts a grown WAL file back to. */
export const WAL_SIZE_LIMIT = 64 * 1024 * 1024;
/** How much of a grown WAL file one hold cuts off: truncating takes time in proportion (measured on ext4 with `discard`: holds of 23–75 ms for 64 MB steps, 48–97 ms for 128 MB). */
export const WAL_STEP_BYTES = 64 * 1024 * 1024;

export interface CheckpointerOptions {
  /** How often the thread checkpoints, and how often an idle main thread looks at the WAL's size. */
  intervalMs?: number;
  /** How long the thread waits without a new WAL frame before it exits. */
  idleStopMs?: number;
  /** WAL frames (pages) past which the thread catches up with the writer, so that the WAL starts over. */
  catchUpFrames?: number;
  /** A checkpoint longer than this is followed at once by another, without the hold, before the writer is held. */
  slowCopyMs?: number;
  /** A WAL file past this size is cut back to it during holds (by default `WAL_SIZE_LIMIT`)... */
  walSizeLimit?: number;
  /** ...by at most this many bytes per hold (by default `WAL_STEP_BYTES`). */
  walStepBytes?: number;
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
  /** During a hold, the thread started the fully copied WAL over and cut its file back by one step. */
  | { type: 'cut-back'; fromBytes: number; toBytes: number }
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
  cutBack?: { fromBytes: number; toBytes: number };
  caughtUp?: boolean;
}

export function startCheckpointer(path: string, onError: (message: string) => void, options: CheckpointerOptions = {}): Checkpointer {
  const { intervalMs = 1_000, idleStopMs = 30_000, catchUpFrames = 1_000, slowCopyMs = 50, walSizeLimit = WAL_SIZE_LIMIT, walStepBytes = WAL_STEP_BYTES, onEvent } = options;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const wal = `${path}-wal`;
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;

  const spawn = () => {
    const idleChecks = Math.max(1, Math.ceil(idleStopMs / intervalMs));
    const thread = new Worker(WORKER, {
      eval: true, workerData: { path, driver, intervalMs, idleChecks, catchUpFrames, slowCopyMs, walSizeLimit, walStepBytes, report: onEvent !== undefined },
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
      if (message.cutBack) onEvent?.({ type: 'cut-back', ...message.cutBack });
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
