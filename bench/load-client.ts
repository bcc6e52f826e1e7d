// The harness's handle on the load generator process: forks dist/bench/load.js once and sends it jobs over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import type { LoadReply, LoadRequest } from './load.js';
import type { LoadJob, LoadResult } from './load-types.js';

export interface LoadClient {
  pid: number;
  run: (job: LoadJob) => Promise<LoadResult>;
  close: () => Promise<void>;
}

export function startLoadClient(loadScript: string): Promise<LoadClient> {
  const child: ChildProcess = fork(loadScript, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  child.on('message', (reply: LoadReply) => {
    const waiter = pending.get(reply.id);
    if (waiter === undefined) return;
    pending.delete(reply.id);
    if ('error' in reply) waiter.reject(new Error(`load generator: ${reply.error}`));
    else waiter.resolve(reply.result);
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`load generator exited with ${code}`));
    pending.clear();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () =>
      resolve({
        pid: child.pid ?? 0,
        run: (job) =>
          new Promise<LoadResult>((done, fail) => {
            nextId += 1;
            pending.set(nextId, { resolve: done, reject: fail });
            child.send({ id: nextId, job } satisfies LoadRequest);
          }),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.disconnect();
          }),
      }),
    );
  });
}
