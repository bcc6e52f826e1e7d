// The per-key usage counters a store shares between every gateway instance on it (keys[].limits): what key-limits asks, and what the store answers.

/** One request of a key with limits, as the store is asked to count it. */
export interface KeyUsageCheck {
  key: string;
  /** The UTC day (days since the epoch) whose tokens are compared to `tokensPerDay`. */
  day: number;
  /** Absent: the key has no token ceiling. */
  tokensPerDay?: number;
  /** The minute (minutes since the epoch) the request is counted into. */
  minute: number;
  /** Absent: the key has no request ceiling, and the request is not counted (one read, no write). */
  requestsPerMinute?: number;
  /**
   * How much of the previous minute's count still weighs (1 at this minute's start, towards 0 at its end): the
   * request is counted only while `this minute's count + previous minute's count × previousWeight` is under
   * the ceiling, an estimate of the sliding minute from two fixed ones.
   */
  previousWeight: number;
}

/** The counts the check saw (in one statement), and whether it let the request through. */
export interface KeyUsageAnswer {
  admitted: boolean;
  /** The day's tokens. */
  tokens: number;
  /** The previous minute's requests. */
  previous: number;
  /** This minute's requests, this one included when admitted. */
  current: number;
}

export interface KeyUsageCounters {
  /**
   * Counts one request into its minute unless the key is past a ceiling (its day's tokens, or the weighted
   * minute), in one statement that locks the minute's row: concurrent instances cannot both take the last unit.
   */
  admit(check: KeyUsageCheck): Promise<KeyUsageAnswer>;
  /** Adds a finished response's tokens to the key's day. */
  spend(key: string, day: number, tokens: number): Promise<void>;
  /** Deletes every key's minutes before `minute` and days before `day` (windows no check reads any more). */
  forget(before: { minute: number; day: number }): Promise<void>;
}
