// The conversation_items table: a conversation's items in order; a response's item by reference into items, any other with its own JSON.
import type { Insertable, Selectable } from 'kysely';
import type { ItemDirection } from './items-table.js';

export const CONVERSATION_ITEMS_TABLE = 'conversation_items';

export interface ConversationItemsTable {
  conversation_id: string;
  /** Order within the conversation: each append takes the next numbers; a deleted item leaves a gap. */
  position: number;
  owner: string;
  id: string;
  type: string;
  /** The items row this names (a response's input or output), or null: then the item is here (item_json). */
  response_id: string | null;
  /** Whether it was a response's input or output (kept when the response is deleted); null: added directly. */
  direction: ItemDirection | null;
  item_position: number | null;
  /** Provenance of an item kept here (an item's own, when it is a response's, is in items). */
  provider: string | null;
  item_json: string | null;
  created_at: number;
}

export type ConversationItemRow = Selectable<ConversationItemsTable>;
export type NewConversationItemRow = Insertable<ConversationItemsTable>;
