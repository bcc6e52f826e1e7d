// The key_usage table (PostgreSQL only): per-key counters of requests per minute and tokens per UTC day that every instance shares.
export const KEY_USAGE_TABLE = 'key_usage';

export interface KeyUsageTable {
  /** The key's name (`keys[].name`). */
  key: string;
  /** `requests`: a minute's admitted requests; `tokens`: a UTC day's input + output tokens. */
  kind: 'requests' | 'tokens';
  /** The window: minutes since the epoch (requests), days since the epoch (tokens). */
  window_start: number;
  count: number;
}
