// The conversations table: one row per conversation, with its owner and metadata (its items live in conversation_items).
import type { Insertable, Selectable } from 'kysely';

export const CONVERSATIONS_TABLE = 'conversations';

export interface ConversationsTable {
  id: string;
  owner: string;
  created_at: number;
  /** Its last change (created, metadata, items added): retention counts from it. */
  updated_at: number;
  /** The conversation's metadata: a JSON object of at most 16 string pairs. */
  metadata_json: string;
}

export type ConversationRow = Selectable<ConversationsTable>;
export type NewConversationRow = Insertable<ConversationsTable>;
