// The load generator's process: takes LoadJobs over IPC from the harness, runs them (several at once if asked) and sends back LoadResults.
import { closePools, driveLoad } from './drive-load.js';
import type { LoadJob, LoadResult } from './load-types.js';

export interface LoadRequest {
  id: number;
  job: LoadJob;
}

export type LoadReply = { id: number; result: LoadResult } | { id: number; error: string };

/** The harness may have hung up (Ctrl-C) while a job was running: its answer then has nowhere to go. */
function reply(message: LoadReply): void {
  if (process.connected) process.send?.(message);
}

process.on('message', (message: LoadRequest) => {
  driveLoad(message.job).then(
    (result) => reply({ id: message.id, result }),
    (error: unknown) => reply({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
process.on('disconnect', () => void closePools().finally(() => process.exit(0)));
