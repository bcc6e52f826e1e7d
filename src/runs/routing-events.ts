// What routing reports as it goes (a retry, a fallback to the next target, a target cooling down): one union, observed by the metrics.

/** What routing did (src/runs/attempt-upstream.ts), for an observer (the metrics) and the log. */
export type RoutingEvent =
  | { type: 'retry'; responseId: string; provider: string; model: string; attempt: number; delayMs: number; askedMs: number | undefined; code: string | null }
  | { type: 'fallback'; responseId: string; from: { provider: string; model: string }; to: { provider: string; model: string }; code: string | null }
  | { type: 'cooldown'; responseId: string; provider: string; model: string; seconds: number }
  | { type: 'skip'; responseId: string; provider: string; model: string };

/** Told every routing event; cheap (a counter), never throws. */
export type RoutingObserver = (event: RoutingEvent) => void;
