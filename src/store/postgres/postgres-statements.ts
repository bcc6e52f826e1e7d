// The writer's statements in PostgreSQL's words: SQLite's text with numbered parameters, and its own text where SQLite's SQL is its own.
import { type StatementName, WRITE_SQL } from '../sqlite/write-statements.js';

/** `?` becomes `$1`, `$2`, … (none of the statements has a `?` inside a literal). */
const numbered = (text: string): string => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

/**
 * Where SQLite's SQL does not run on PostgreSQL, the same statement (same parameters, same effect). Parameters
 * in a SELECT list are cast: PostgreSQL infers them from a VALUES list's target columns, not from a SELECT's.
 */
const OWN_SQL: Partial<Record<StatementName, string>> = {
  // The bodies arrive as text here (bytes are decoded first: PostgreSQL's CAST of bytea to text would be hex).
  insertExchange: `INSERT INTO upstream_exchanges (response_id, owner, provider, url, status, request_body, response_body, warnings_json, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  // The stored JSON's `status` is set by the runner (runPostgresWrite), key order kept as SQLite's json_set keeps it.
  requeueResponse: `UPDATE responses SET status = 'queued', response_json = $2 WHERE id = $1`,
  updateConversation: 'UPDATE conversations SET metadata_json = $1, updated_at = GREATEST(updated_at, $2) WHERE id = $3',
  touchConversation: 'UPDATE conversations SET updated_at = GREATEST(updated_at, $1) WHERE id = $2',
  insertConversationItem: `INSERT INTO conversation_items (conversation_id, position, owner, id, type, provider, item_json, created_at)
     SELECT $1::text, COALESCE((SELECT MAX(position) FROM conversation_items WHERE conversation_id = $2::text), -1) + 1,
            $3::text, $4::text, $5::text, $6::text, $7::text, $8::bigint
      WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $9::text)`,
  appendResponseToConversation: `INSERT INTO conversation_items (conversation_id, position, owner, id, type, response_id, direction, item_position, created_at)
     SELECT c.id,
            COALESCE((SELECT MAX(ci.position) FROM conversation_items ci WHERE ci.conversation_id = c.id), -1)
              + ROW_NUMBER() OVER (ORDER BY i.direction, i.position),
            i.owner, i.id, i.type, i.response_id, i.direction, i.position, $1::bigint
       FROM conversations c JOIN items i ON i.response_id = $2::text AND i.owner = c.owner
      WHERE c.id = $3::text
      ORDER BY i.direction, i.position`,
  // The run's row stays locked until the write commits: a takeover (which skips locked rows) cannot come between.
  checkRunLease: 'SELECT 1 FROM runs WHERE response_id = $1 AND lease_owner = $2 FOR UPDATE',
  // As SQLite's, skipping runs another instance's claim has locked: two instances never take the same run.
  leaseRuns: `UPDATE runs SET lease_owner = $1, lease_token = $2, lease_until = $3 WHERE response_id IN (
       SELECT response_id FROM runs WHERE (lease_until IS NULL OR lease_until <= $4) AND response_id NOT IN (SELECT jsonb_array_elements_text($5::jsonb))
       ORDER BY created_at, response_id LIMIT $6
       FOR UPDATE SKIP LOCKED)`,
  renewRunLeases: 'UPDATE runs SET lease_until = $1 WHERE lease_owner = $2 AND response_id IN (SELECT jsonb_array_elements_text($3::jsonb))',
  // The claim skips rows another claim has locked (FOR UPDATE SKIP LOCKED) as well as leased ones: two loops,
  // in one process or in several, never take the same row. Endpoints arrive as a JSON array, as on SQLite.
  leaseWebhookDeliveries: `UPDATE webhook_deliveries SET lease_token = $1, lease_until = $2 WHERE (event_id, endpoint) IN (
       SELECT event_id, endpoint FROM webhook_deliveries
       WHERE state = 'pending' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until <= $4)
         AND endpoint IN (SELECT jsonb_array_elements_text($5::jsonb))
       ORDER BY next_attempt_at LIMIT $6
       FOR UPDATE SKIP LOCKED)`,
};

export const POSTGRES_SQL = Object.fromEntries(
  (Object.keys(WRITE_SQL) as StatementName[]).map((name) => [name, OWN_SQL[name] ?? numbered(WRITE_SQL[name])]),
) as Record<StatementName, string>;

/** Statements that are one plain `INSERT … VALUES (…)`: consecutive rows of one of them (a group of saves' responses and exchanges too) go in one multi-row INSERT. */
export const MULTI_ROW_INSERTS = new Set<StatementName>(['insertResponse', 'insertItem', 'insertExchange', 'insertEvent', 'insertWebhookDelivery']);
