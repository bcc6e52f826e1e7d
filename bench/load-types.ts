// What the harness asks of the load generator and what it answers: plain data, so that it crosses the process boundary as JSON.
export interface LoadJob {
  label: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Further instances of the same server: request `i` goes to `[origin, ...moreOrigins][i % n]` (round robin, no load balancer). */
  moreOrigins?: string[];
  path: string;
  headers: Record<string, string>;
  /** Request bodies, used in turn. */
  bodies: string[];
  stream: boolean;
  concurrency: number;
  /** Upper bound on requests; the run also stops at `durationMs`, whichever comes first. */
  count: number;
  durationMs: number;
  /** A stream is hung up on after this many events (scenario d); such a request counts as `aborted`, not as an error. */
  abortAfterEvents?: number;
  /** The text the end of a good answer holds: `response.completed` or `[DONE]`. */
  expectTail?: string;
  /** GET `<path>/<id>` right after each non-streaming answer and count the ones found (scenario c); from the next instance when there are several. */
  verifyStored?: boolean;
  /**
   * Each request creates a background run (the body says `background: true`), then reads `GET <path>/<id>?stream=true`
   * to the run's end; its latency runs from the create to that end (scenario g).
   */
  background?: boolean;
  /** Each request is a GET of these paths in turn instead of a POST of `bodies` (scenario g's resumes). */
  getPaths?: string[];
}

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  label: string;
  sent: number;
  received: number;
  ok: number;
  errors: number;
  aborted: number;
  errorSamples: string[];
  wallMs: number;
  /** Answers completed per second. */
  throughput: number;
  /** Whole request, µs. */
  latencyUs: Summary;
  /** Until the response headers, µs. */
  headersUs: Summary;
  /** Until the first body byte (the first SSE event for a stream; also of a stream hung up on by `abortAfterEvents`), µs. */
  firstByteUs: Summary;
  /** SSE events received (blank-line terminated frames). */
  events: number;
  eventsPerSec: number;
  /** Longest wait between two body chunks of one answer, over all answers, µs. */
  maxGapUs: number;
  bytes: number;
  storedChecked: number;
  storedFound: number;
}
