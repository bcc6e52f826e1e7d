// Which endpoints hear of a response's end, and the notice each gets: OpenAI's event payload, one event id for all.
import { WEBHOOK_EVENTS, type WebhookConfig } from '../config/config-schema.js';
import { newItemId } from '../pipeline/ids.js';
import type { ResponseRecord, ResponseStore, WebhookNotice } from '../store/response-store.js';

type EventType = (typeof WEBHOOK_EVENTS)[number];
const isEventType = (type: string): type is EventType => (WEBHOOK_EVENTS as readonly string[]).includes(type);

/** The notices of one response's end: none when it did not end (or no endpoint wants to hear of it). */
export function planWebhookNotices(webhooks: WebhookConfig[], record: ResponseRecord, now: number): WebhookNotice[] {
  const { response, owner } = record;
  const type = `response.${response.status}`;
  if (!isEventType(type)) return [];
  const endpoints = webhooks.filter(
    (hook) => (hook.for === 'all' || response.background === true) && hook.events.includes(type) && (hook.keys === undefined || hook.keys.includes(owner)),
  );
  if (endpoints.length === 0) return [];
  const eventId = newItemId('evt');
  const payload = JSON.stringify({ id: eventId, object: 'event', created_at: Math.floor(now / 1000), type, data: { id: response.id } });
  return endpoints.map((hook) => ({ eventId, endpoint: hook.url, responseId: response.id, type, payload, createdAt: now }));
}

/**
 * The store, with the outbox rows of each response's end added to the write that stores it (one transaction:
 * an end that is acknowledged always has its notices). `written` is told once they are committed.
 */
export function withWebhookNotices(store: ResponseStore, webhooks: WebhookConfig[], written: () => void, now: () => number = Date.now): ResponseStore {
  if (webhooks.length === 0) return store;
  const notifying: ResponseStore = Object.create(store);
  notifying.saveResponse = async (record, notices = []) => {
    const planned = [...notices, ...planWebhookNotices(webhooks, record, now())];
    const json = await store.saveResponse(record, planned);
    if (planned.length > 0) written();
    return json;
  };
  notifying.finishRun = async (record, events, notices = []) => {
    const planned = [...notices, ...planWebhookNotices(webhooks, record, now())];
    const json = await store.finishRun(record, events, planned);
    if (planned.length > 0) written();
    return json;
  };
  return notifying;
}
