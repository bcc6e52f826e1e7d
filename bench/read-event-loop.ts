// The harness side of bench/event-loop-probe.ts: signals a target process and reads back its event-loop delay since the previous signal.
import { existsSync, readFileSync } from 'node:fs';
import type { EventLoopSnapshot } from './event-loop-probe.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readSnapshot(file: string): EventLoopSnapshot | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EventLoopSnapshot;
  } catch {
    return null; // Read while the probe was writing it: the caller polls again.
  }
}

/** Delay since the last call (which also resets it); null if the probe did not answer within a second. */
export async function takeEventLoopSnapshot(pid: number, file: string): Promise<EventLoopSnapshot | null> {
  const before = readSnapshot(file)?.seq ?? 0;
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 1000; waited += 5) {
    const now = readSnapshot(file);
    if (now !== null && now.seq > before) return now;
    await sleep(5);
  }
  return null;
}
