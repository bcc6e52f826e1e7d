// How big each run is: smoke (CI, seconds), quick (< 2 min) and full (< 15 min) differ only in these numbers.
export type BenchMode = 'smoke' | 'quick' | 'full';

export interface Plan {
  mode: BenchMode;
  rounds: number;
  /** Wall-time bound of one closed-loop measurement. */
  measureMs: number;
  /** Count bound of one measurement. */
  maxCount: number;
  /** Requests of a warm-up that only opens connections. */
  warmup: number;
  /** Length of the first warm-up of each target and kind of request, for the JIT to settle. */
  warmupMs: number;
  /** Events in a burst stream (scenario b). */
  streamEvents: number;
  /** Streams measured one at a time for time to first byte. */
  ttfbCount: number;
  /** Events of a paced stream (5 ms each) and how many run at once (scenario b). */
  pacedEvents: number;
  pacedStreams: number;
  /** Scenario c: GETs after responses, and outputs of 200 KB stored while a paced stream is watched. */
  storedChecks: number;
  stallOutputBytes: number;
  /** Scenario d: concurrent paced streams per burst, their events, and clients that hang up. */
  memoryStreams: number;
  memoryEvents: number;
  disconnectClients: number;
  /** Pause after a memory burst before RSS is read again. */
  settleMs: number;
  /**
   * How long the targets sit idle after start-up before their idle RSS is read a second time: V8 shrinks a heap that
   * start-up grew (its memory reducer) about 8 s after its last full collection, so 0.5 s after start-up is not idle yet.
   */
  idleMs: number;
  /** Scenario e: input sizes in bytes, requests per size, chain length and probes of the chain. */
  inputSizes: number[];
  requestsPerSize: number;
  chainLinks: number;
  chainProbes: number;
  /** Scenario f: the size of the large request and of the large upstream event, how long the write lock is held, and how many events the watched stream lasts. */
  stallRequestMb: number;
  stallEventMb: number;
  lockHoldMs: number;
  stallWatchEvents: number;
  /** Scenario g: background runs at once, and how long each measurement of them lasts. */
  backgroundRuns: number;
  backgroundMs: number;
  /** Scenario g: live and finished runs resumed, resumes per measurement, and its time bound. */
  resumedRuns: number;
  resumes: number;
  resumeMs: number;
}

const KB = 1024;

export function planFor(mode: BenchMode): Plan {
  switch (mode) {
    case 'smoke':
      return {
        mode,
        rounds: 1,
        measureMs: 300,
        maxCount: 20,
        warmup: 2,
        warmupMs: 0,
        streamEvents: 50,
        ttfbCount: 3,
        pacedEvents: 20,
        pacedStreams: 3,
        storedChecks: 5,
        stallOutputBytes: 200 * KB,
        memoryStreams: 10,
        memoryEvents: 20,
        disconnectClients: 5,
        settleMs: 100,
        idleMs: 0,
        inputSizes: [KB, 64 * KB],
        requestsPerSize: 2,
        chainLinks: 5,
        chainProbes: 2,
        stallRequestMb: 2,
        stallEventMb: 2,
        lockHoldMs: 300,
        stallWatchEvents: 120,
        backgroundRuns: 2,
        backgroundMs: 300,
        resumedRuns: 2,
        resumes: 4,
        resumeMs: 1000,
      };
    case 'quick':
      return {
        mode,
        rounds: 3,
        measureMs: 400,
        maxCount: 5000,
        warmup: 20,
        warmupMs: 500,
        streamEvents: 1000,
        ttfbCount: 20,
        pacedEvents: 100,
        pacedStreams: 10,
        storedChecks: 200,
        stallOutputBytes: 200 * KB,
        memoryStreams: 200,
        memoryEvents: 120,
        disconnectClients: 100,
        settleMs: 300,
        idleMs: 12_000,
        inputSizes: [KB, 10 * KB, 100 * KB, 1024 * KB],
        requestsPerSize: 8,
        chainLinks: 200,
        chainProbes: 8,
        stallRequestMb: 45,
        stallEventMb: 50,
        lockHoldMs: 3000,
        stallWatchEvents: 1200,
        backgroundRuns: 8,
        backgroundMs: 1000,
        resumedRuns: 4,
        resumes: 200,
        resumeMs: 1500,
      };
    case 'full':
      return {
        mode,
        rounds: 5,
        measureMs: 2500,
        maxCount: 50_000,
        warmup: 50,
        warmupMs: 2500,
        streamEvents: 1000,
        ttfbCount: 60,
        pacedEvents: 1000,
        pacedStreams: 20,
        storedChecks: 1000,
        stallOutputBytes: 200 * KB,
        memoryStreams: 200,
        memoryEvents: 600,
        disconnectClients: 100,
        settleMs: 300,
        idleMs: 12_000,
        inputSizes: [KB, 10 * KB, 100 * KB, 1024 * KB],
        requestsPerSize: 25,
        chainLinks: 200,
        chainProbes: 25,
        stallRequestMb: 45,
        stallEventMb: 50,
        lockHoldMs: 8000,
        stallWatchEvents: 2400,
        backgroundRuns: 8,
        backgroundMs: 2500,
        resumedRuns: 4,
        resumes: 1000,
        resumeMs: 5000,
      };
    default: {
      const unknown: never = mode;
      throw new Error(`unknown mode ${String(unknown)}`);
    }
  }
}
