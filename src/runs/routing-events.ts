// What routing reports as it goes (a retry, a fallback to the next target, a target cooling down): one union, observed by the metrics.

/** One routing decision about an upstream target (a configured provider and the model sent to it). */
export type RoutingEvent =
  /** The same target is tried again after `delayMs`; `attempt` counts from 1 for the first retry. */
  | { type: 'retry'; provider: string; model: string; attempt: number; delayMs: number; code: string }
  /** The next target takes over before any output reached the client. */
  | { type: 'fallback'; from: { provider: string; model: string }; to: { provider: string; model: string }; code: string }
  /** A target that kept failing is skipped for `seconds`. */
  | { type: 'cooldown'; provider: string; model: string; seconds: number };

/** Told every routing event; cheap (a counter), never throws. */
export type RoutingObserver = (event: RoutingEvent) => void;
