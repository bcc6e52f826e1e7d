// The ResponseStore methods SQLite and PostgreSQL share: the reads (portable Kysely queries) and the writes that are one statement list, handed to the store's own way of committing it.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ResponseStore } from '../response-store.js';
import type { Database } from '../schema/index.js';
import { findItemsById, getResponse, listInputItems, loadChain } from './responses-repository.js';
import {
  expiredIds,
  getConversation,
  getConversationItem,
  hasConversationItem,
  listConversationItems,
  loadConversation,
} from './conversations-repository.js';
import {
  serializeConversationCreate,
  serializeConversationDelete,
  serializeConversationItemDelete,
  serializeConversationItems,
  serializeConversationUpdate,
  serializeExpiry,
} from './serialize-conversation-writes.js';
import { hasRun, readEvents, runLeaseState, unfinishedRuns } from './runs-repository.js';
import { serializeRunLeases, serializeWebhookLease, serializeWebhookOutcome } from './serialize-writes.js';
import { leasedWebhookDeliveries, newLeaseToken, webhookOutboxStats } from './webhooks-repository.js';
import type { StoredWrite } from './write-statements.js';

/** What each store writes its own way: the run writes, saveResponse, deleteResponse, flush, close. */
type OwnMethods = 'saveResponse' | 'createRun' | 'updateRun' | 'appendEvents' | 'finishRun' | 'restartRun' | 'deleteResponse' | 'flush' | 'close';

export function createSharedStoreMethods(db: Kysely<Database>, write: (stored: StoredWrite) => Promise<unknown>): Omit<ResponseStore, OwnMethods> {
  return {
    getResponse: (owner, id) => getResponse(db, owner, id),
    listInputItems: (owner, responseId, options) => listInputItems(db, owner, responseId, options),
    loadChain: (owner, headId) => loadChain(db, owner, headId),
    findItemsById: (owner, ids) => findItemsById(db, owner, ids),
    readEvents: (owner, id, after) => readEvents(db, owner, id, after),
    unfinishedRuns: () => unfinishedRuns(db),

    async takeOverRuns({ instance, now, until, running, limit }) {
      const token = newLeaseToken();
      await write(serializeRunLeases({ type: 'take', instance, token, until, now, running, limit }));
      return unfinishedRuns(db, token);
    },
    async renewRunLeases(instance, ids, until) {
      if (ids.length > 0) await write(serializeRunLeases({ type: 'renew', instance, ids, until }));
    },
    runLeaseState: (instance, ids) => runLeaseState(db, instance, ids),
    async releaseRunLeases(instance) {
      await write(serializeRunLeases({ type: 'release', instance }));
    },
    async requestRunCancel(owner, id) {
      if (!(await hasRun(db, owner, id))) return false;
      await write(serializeRunLeases({ type: 'cancel', owner, id }));
      return true;
    },

    // A conversation write that must know whether the conversation is the owner's reads first, then writes;
    // each statement is guarded, so one deleted meanwhile takes no rows.
    async createConversation(owner, conversation, items) {
      await write(serializeConversationCreate(owner, conversation, items));
    },
    getConversation: (owner, id) => getConversation(db, owner, id),
    async updateConversation(owner, id, metadata, now) {
      if (!(await getConversation(db, owner, id))) return undefined;
      await write(serializeConversationUpdate(id, metadata, now));
      return getConversation(db, owner, id);
    },
    async deleteConversation(owner, id) {
      if (!(await getConversation(db, owner, id))) return false;
      await write(serializeConversationDelete(id));
      return true;
    },
    async addConversationItems(owner, id, items, now) {
      if (!(await getConversation(db, owner, id))) return false;
      await write(serializeConversationItems(owner, id, items, now));
      return true;
    },
    listConversationItems: (owner, id, options) => listConversationItems(db, owner, id, options),
    getConversationItem: (owner, id, itemId) => getConversationItem(db, owner, id, itemId),
    async deleteConversationItem(owner, id, itemId) {
      if (!(await hasConversationItem(db, owner, id, itemId))) return false;
      await write(serializeConversationItemDelete(id, itemId));
      return true;
    },
    loadConversation: (owner, id) => loadConversation(db, owner, id),
    async deleteExpired(cutoffs, limit) {
      const { responses, conversations } = await expiredIds(db, cutoffs, limit);
      if (responses.length + conversations.length > 0) await write(serializeExpiry(responses, conversations));
      return { responses: responses.length, conversations: conversations.length };
    },
    async claimWebhookDeliveries({ endpoints, now, leaseMs, limit }) {
      if (endpoints.length === 0) return [];
      const token = newLeaseToken();
      await write(serializeWebhookLease(token, endpoints, now, leaseMs, limit));
      return leasedWebhookDeliveries(db, token);
    },
    async settleWebhookDelivery(delivery, outcome) {
      await write(serializeWebhookOutcome(delivery, outcome));
    },
    webhookOutboxStats: (endpoints) => webhookOutboxStats(db, endpoints),

    async ping() {
      await sql`SELECT 1`.execute(db);
    },
  };
}
