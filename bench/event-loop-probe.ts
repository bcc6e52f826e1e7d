// Preloaded (node --import) into each proxy under test so that the harness can read its event-loop delay with monitorEventLoopDelay, without the process exposing it: on SIGUSR2 it writes the delay since the last signal to BENCH_EVENT_LOOP_FILE.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface EventLoopSnapshot {
  seq: number;
  maxMs: number;
  p99Ms: number;
  meanMs: number;
}

const file = process.env.BENCH_EVENT_LOOP_FILE;
if (file !== undefined && file !== '') {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  let seq = 0;
  process.on('SIGUSR2', () => {
    seq += 1;
    const snapshot: EventLoopSnapshot = { seq, maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6, meanMs: histogram.mean / 1e6 };
    writeFileSync(file, JSON.stringify(snapshot));
    histogram.reset();
  });
}
