// The ResponseStore on SQLite: writes through the grouped writer (shared transactions, fsync off the event loop), reads through Kysely.
import { sql } from 'kysely';
import type { ResponseStore } from '../response-store.js';
import type { OpenedDatabase } from './open-database.js';
import { deleteResponse, findItemsById, getResponse, listInputItems, loadChain } from './responses-repository.js';
import {
  expiredIds,
  getConversation,
  getConversationItem,
  hasConversationItem,
  listConversationItems,
  loadConversation,
} from './conversations-repository.js';
import { retryWhileLocked } from './retry-while-locked.js';
import {
  serializeConversationCreate,
  serializeConversationDelete,
  serializeConversationItemDelete,
  serializeConversationItems,
  serializeConversationUpdate,
  serializeExpiry,
} from './serialize-conversation-writes.js';
import { readEvents, unfinishedRuns } from './runs-repository.js';
import {
  serializeEvents,
  serializeNotices,
  serializeResponse,
  serializeRunFinish,
  serializeRunRestart,
  serializeRunStart,
  serializeRunUpdate,
  serializeWebhookLease,
  serializeWebhookOutcome,
  storedResponseJson,
} from './serialize-writes.js';
import { leasedWebhookDeliveries, newLeaseToken, webhookOutboxStats } from './webhooks-repository.js';

export function createSqliteStore({ db, writer, close }: OpenedDatabase): ResponseStore {
  /**
   * Runs whose first write is still being serialised (a long input, a slice per turn of the event loop): a
   * run's later writes wait for it to be queued, so that the writer gets every run's writes in call order.
   */
  const starting = new Map<string, Promise<void>>();
  const inOrder = <T>(id: string, write: () => Promise<T>): Promise<T> => {
    const pending = starting.get(id);
    return pending ? pending.then(write, write) : write();
  };

  return {
    async saveResponse(record, notices) {
      const serialized = serializeResponse(record, 'whole');
      // Only a long history is serialised in slices (a promise); an ordinary record costs no extra turn.
      const stored = serializeNotices(notices, serialized instanceof Promise ? await serialized : serialized);
      await writer.write(stored);
      return storedResponseJson(stored);
    },
    async createRun(run) {
      const serialized = serializeRunStart(run);
      if (!(serialized instanceof Promise)) return writer.write(serialized);
      const id = run.response.id;
      let written: Promise<void> | undefined;
      const queued = serialized.then((stored) => {
        written = writer.write(stored);
      });
      starting.set(id, queued);
      try {
        await queued;
      } finally {
        if (starting.get(id) === queued) starting.delete(id);
      }
      return written;
    },
    updateRun: (id, response) => inOrder(id, () => writer.write(serializeRunUpdate(id, response))),
    appendEvents: (id, events) => inOrder(id, async () => (events.length > 0 ? writer.write(serializeEvents(id, events)) : undefined)),
    finishRun: (record, events, notices) =>
      inOrder(record.response.id, async () => {
        const stored = serializeRunFinish(record, events, notices);
        await writer.write(stored);
        return storedResponseJson(stored);
      }),
    restartRun: (id) => inOrder(id, () => writer.write(serializeRunRestart(id))),
    // Outside the writer (a rare write): another process's write lock is waited for off the event loop, and
    // past the wait the caller gets a 503 `store_busy` it may retry.
    deleteResponse: (owner, id) => retryWhileLocked(() => deleteResponse(db, owner, id)),

    getResponse: (owner, id) => getResponse(db, owner, id),
    listInputItems: (owner, responseId, options) => listInputItems(db, owner, responseId, options),
    loadChain: (owner, headId) => loadChain(db, owner, headId),
    findItemsById: (owner, ids) => findItemsById(db, owner, ids),
    readEvents: (owner, id, after) => readEvents(db, owner, id, after),
    unfinishedRuns: () => unfinishedRuns(db),

    // A conversation write that must know whether the conversation is the owner's reads first, then writes
    // through the writer; each statement is guarded, so one deleted meanwhile takes no rows.
    createConversation: (owner, conversation, items) => writer.write(serializeConversationCreate(owner, conversation, items)),
    getConversation: (owner, id) => getConversation(db, owner, id),
    async updateConversation(owner, id, metadata, now) {
      if (!(await getConversation(db, owner, id))) return undefined;
      await writer.write(serializeConversationUpdate(id, metadata, now));
      return getConversation(db, owner, id);
    },
    async deleteConversation(owner, id) {
      if (!(await getConversation(db, owner, id))) return false;
      await writer.write(serializeConversationDelete(id));
      return true;
    },
    async addConversationItems(owner, id, items, now) {
      if (!(await getConversation(db, owner, id))) return false;
      await writer.write(serializeConversationItems(owner, id, items, now));
      return true;
    },
    listConversationItems: (owner, id, options) => listConversationItems(db, owner, id, options),
    getConversationItem: (owner, id, itemId) => getConversationItem(db, owner, id, itemId),
    async deleteConversationItem(owner, id, itemId) {
      if (!(await hasConversationItem(db, owner, id, itemId))) return false;
      await writer.write(serializeConversationItemDelete(id, itemId));
      return true;
    },
    loadConversation: (owner, id) => loadConversation(db, owner, id),
    async deleteExpired(cutoffs, limit) {
      const { responses, conversations } = await expiredIds(db, cutoffs, limit);
      if (responses.length + conversations.length > 0) await writer.write(serializeExpiry(responses, conversations));
      return { responses: responses.length, conversations: conversations.length };
    },
    async claimWebhookDeliveries({ endpoints, now, leaseMs, limit }) {
      if (endpoints.length === 0) return [];
      const token = newLeaseToken();
      await writer.write(serializeWebhookLease(token, endpoints, now, leaseMs, limit));
      return leasedWebhookDeliveries(db, token);
    },
    settleWebhookDelivery: (delivery, outcome) => writer.write(serializeWebhookOutcome(delivery, outcome)),
    webhookOutboxStats: (endpoints) => webhookOutboxStats(db, endpoints),

    async ping() {
      await sql`SELECT 1`.execute(db);
    },
    flush: () => writer.flush(),
    close,
  };
}
