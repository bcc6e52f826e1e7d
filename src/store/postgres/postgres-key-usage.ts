// The shared key-usage counters on PostgreSQL (table key_usage, migration 0008): one statement per admit, one per spend.
import { type Kysely, sql } from 'kysely';
import type { KeyUsageAnswer, KeyUsageCheck, KeyUsageCounters } from '../key-usage-counters.js';
import type { Database } from '../schema/index.js';

interface CountsRow {
  tokens: number;
  previous: number;
  current: number;
  /** This minute's count after the increment; null when nothing was counted. */
  counted: number | null;
}

/**
 * `track`: the store's record of writes in flight, so that closing the store waits for the counters' too.
 * Each statement runs on its own (autocommit): a counter is not part of any response's transaction.
 */
export function createPostgresKeyUsage(db: Kysely<Database>, track: <T>(write: Promise<T>) => Promise<T>): KeyUsageCounters {
  return {
    admit: (check) => track(check.requestsPerMinute === undefined ? readTokens(db, check) : countRequest(db, check)),
    spend: (key, day, tokens) =>
      track(
        sql`INSERT INTO key_usage AS u (key, kind, window_start, count) VALUES (${key}, 'tokens', ${day}, ${tokens})
            ON CONFLICT (key, kind, window_start) DO UPDATE SET count = u.count + EXCLUDED.count`.execute(db),
      ).then(() => undefined),
    forget: ({ minute, day }) =>
      track(
        sql`DELETE FROM key_usage WHERE (kind = 'requests' AND window_start < ${minute}) OR (kind = 'tokens' AND window_start < ${day})`.execute(db),
      ).then(() => undefined),
  };
}

/** A key with a token ceiling only: the day's tokens, read. */
async function readTokens(db: Kysely<Database>, { key, day, tokensPerDay }: KeyUsageCheck): Promise<KeyUsageAnswer> {
  const { rows } = await sql<{ count: number }>`SELECT count FROM key_usage WHERE key = ${key} AND kind = 'tokens' AND window_start = ${day}`.execute(db);
  const tokens = rows[0]?.count ?? 0;
  return { admitted: tokensPerDay === undefined || tokens < tokensPerDay, tokens, previous: 0, current: 0 };
}

/**
 * The counts are read, and the minute's row incremented only while the day's tokens and the weighted minute
 * are under their ceilings. The insert's own check reads the statement's snapshot; when the row exists, ON
 * CONFLICT locks it and checks its latest count again (`u.count`), which is what keeps concurrent admits,
 * from any instance, from passing the ceiling. `used.current` may then trail the row (another admit counted
 * meanwhile): only the refusal's Retry-After reads it.
 */
async function countRequest(db: Kysely<Database>, { key, day, tokensPerDay, minute, requestsPerMinute, previousWeight }: KeyUsageCheck): Promise<KeyUsageAnswer> {
  const tokenCeiling = tokensPerDay ?? null;
  const { rows } = await sql<CountsRow>`
    WITH used AS (
      SELECT COALESCE((SELECT count FROM key_usage WHERE key = ${key} AND kind = 'tokens' AND window_start = ${day}), 0) AS tokens,
             COALESCE((SELECT count FROM key_usage WHERE key = ${key} AND kind = 'requests' AND window_start = ${minute - 1}), 0) AS previous,
             COALESCE((SELECT count FROM key_usage WHERE key = ${key} AND kind = 'requests' AND window_start = ${minute}), 0) AS current
    ), counted AS (
      INSERT INTO key_usage AS u (key, kind, window_start, count)
      SELECT ${key}::text, 'requests', ${minute}::bigint, 1 FROM used
       WHERE (${tokenCeiling}::bigint IS NULL OR used.tokens < ${tokenCeiling}::bigint)
         AND used.current + used.previous * ${previousWeight}::float8 < ${requestsPerMinute}::bigint
      ON CONFLICT (key, kind, window_start) DO UPDATE SET count = u.count + 1
       WHERE u.count + (SELECT previous FROM used) * ${previousWeight}::float8 < ${requestsPerMinute}::bigint
      RETURNING u.count
    )
    SELECT used.tokens, used.previous, used.current, (SELECT count FROM counted) AS counted FROM used`.execute(db);
  const row = rows[0]!;
  const admitted = row.counted !== null;
  return { admitted, tokens: row.tokens, previous: row.previous, current: admitted ? row.counted! : row.current };
}
