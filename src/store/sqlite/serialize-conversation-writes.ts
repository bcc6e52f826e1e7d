// Turns the store's conversation writes (and retention's deletes) into the writer's statement rows.
import type { ConversationObject, InputItem } from '../response-store.js';
import type { StoredRow, StoredWrite } from './write-statements.js';

const write = (rows: StoredRow[]): StoredWrite => ({ rows, size: rows.reduce((sum, [, , chars]) => sum + chars, 0) });

/** Items added to a conversation directly (they belong to no response), after its last item. */
function itemRowsOf(conversationId: string, owner: string, items: InputItem[], now: number): StoredRow[] {
  return items.map(({ id, item, provider }) => {
    const json = JSON.stringify(item);
    return ['insertConversationItem', [conversationId, conversationId, owner, id, item.type ?? 'message', provider, json, now, conversationId], json.length];
  });
}

export function serializeConversationCreate(owner: string, conversation: ConversationObject, items: InputItem[]): StoredWrite {
  const metadata = JSON.stringify(conversation.metadata);
  const { id, created_at: createdAt } = conversation;
  return write([['insertConversation', [id, owner, createdAt, createdAt, metadata], metadata.length], ...itemRowsOf(id, owner, items, createdAt)]);
}

export function serializeConversationItems(owner: string, id: string, items: InputItem[], now: number): StoredWrite {
  return write([...itemRowsOf(id, owner, items, now), ['touchConversation', [now, id], 0]]);
}

export function serializeConversationUpdate(id: string, metadata: Record<string, string>, now: number): StoredWrite {
  const json = JSON.stringify(metadata);
  return write([['updateConversation', [json, now, id], json.length]]);
}

export function serializeConversationDelete(id: string): StoredWrite {
  return write([
    ['deleteConversationItems', [id], 0],
    ['deleteConversation', [id], 0],
  ]);
}

export function serializeConversationItemDelete(id: string, itemId: string): StoredWrite {
  return write([['deleteConversationItem', [id, itemId], 0]]);
}

/** Retention's batch: responses as deleteResponse deletes them (their items leave conversations first), then conversations. */
export function serializeExpiry(responses: string[], conversations: string[]): StoredWrite {
  const rows: StoredRow[] = [];
  for (const id of responses) {
    rows.push(
      ['detachResponseFromConversations', [id], 0],
      ['deleteEvents', [id], 0],
      ['deleteRun', [id], 0],
      ['deleteExchange', [id], 0],
      ['deleteItems', [id], 0],
      ['deleteResponse', [id], 0],
    );
  }
  for (const id of conversations) rows.push(...serializeConversationDelete(id).rows);
  return write(rows);
}
