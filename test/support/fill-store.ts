// Test support: a store filled through the store interface with one of everything migrate-store must carry, and every read that shows it back.
import type { ResponseItem, ResponseObject, ResponsesEvent } from '../../transformers/responses-types.js';
import type { InputItem, ResponseRecord, ResponseStore, WebhookNotice } from '../../src/store/response-store.js';

export const HOOK_A = 'https://hooks.example/a';
export const HOOK_B = 'https://hooks.example/b';
/** ms since the epoch, past 32 bits: the outbox's times must survive as bigint. */
const NOW_MS = 1_764_000_000_000;

export const message = (id: string, text: string): ResponseItem => ({ id, type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const answer = (id: string, text: string): ResponseItem => ({ id, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
export const input = (item: ResponseItem, provider: string | null = null): InputItem => ({ id: item.id!, item, provider });

function response(id: string, status: ResponseObject['status'], output: ResponseItem[], previous: string | null = null): ResponseObject {
  return { id, object: 'response', created_at: 1_700_000_000, status, model: 'gpt-test', previous_response_id: previous, background: status !== 'completed', output, usage: null, error: null, incomplete_details: null };
}

/** A finished response with its output message: `items` is its input. */
export function record(id: string, owner: string, items: InputItem[], previous: string | null = null, extra: Partial<ResponseRecord> = {}): ResponseRecord {
  return { owner, provider: 'openai', requestId: `req_${id}`, upstreamId: `up_${id}`, previousResponseId: previous, response: response(id, 'completed', [answer(`msg_${id}`, `answer to ${id}`)], previous), input: items, ...extra };
}

function events(id: string, from: number, ...types: string[]): ResponsesEvent[] {
  return types.map((type, i) => ({ type, sequence_number: from + i, ...(type.endsWith('.delta') ? { delta: `x${i}`, item_id: `msg_${id}`, output_index: 0, content_index: 0 } : {}) }));
}

function notice(responseId: string, endpoint: string, eventId = `evt_${responseId}_${endpoint.slice(-1)}`): WebhookNotice {
  return { eventId, endpoint, responseId, type: 'response.completed', payload: JSON.stringify({ id: eventId, type: 'response.completed', data: { id: responseId } }), createdAt: NOW_MS };
}

/** Chained responses (raw bodies as bytes and with a NUL), another key's, a finished and an unfinished background run, a conversation, and outbox rows pending, retried and failed. */
export async function fillStore(store: ResponseStore): Promise<void> {
  const exchange = { url: 'http://upstream/v1/responses', status: 200, requestBody: new TextEncoder().encode('{"input":"héllo"}'), responseBody: 'data: a\u0000b\n\n', warnings: [{ param: 'top_k', message: 'dropped' }] };
  await store.saveResponse(record('resp_1', 'alice', [input(message('in_1', 'first'))], null, { exchange }));
  await store.saveResponse(record('resp_2', 'alice', [input(answer('msg_resp_1', 'answer to resp_1'), 'openai'), input(message('in_2', 'second'))], 'resp_1'));
  await store.saveResponse(record('resp_3', 'alice', [input(message('in_3', 'third'))], 'resp_2'), [notice('resp_3', HOOK_A), notice('resp_3', HOOK_B)]);
  await store.saveResponse(record('resp_bob', 'bob', [input(message('in_bob', 'bob asks'))]));

  for (const id of ['resp_bg_done', 'resp_bg_open']) {
    const run = { owner: 'alice', provider: 'openai', requestId: `req_${id}`, previousResponseId: null, response: response(id, 'queued', []), input: [input(message(`in_${id}`, 'think long'))], request: { model: 'gpt-test', input: 'think long', background: true } };
    await store.createRun(run);
    await store.updateRun(id, { ...run.response, status: 'in_progress' });
    await store.appendEvents(id, events(id, 0, 'response.queued', 'response.created', 'response.in_progress', 'response.output_item.added', 'response.output_text.delta'));
  }
  const done = record('resp_bg_done', 'alice', [input(message('in_resp_bg_done', 'think long'))]);
  await store.finishRun({ ...done, response: { ...done.response, background: true } }, events('resp_bg_done', 5, 'response.output_text.done', 'response.completed'), [notice('resp_bg_done', HOOK_A)]);

  await store.createConversation('alice', { id: 'conv_1', object: 'conversation', created_at: 1_700_000_000, metadata: { topic: 'migration' } }, [input(message('ci_1', 'hello')), input(message('ci_2', 'gone soon'))]);
  await store.saveResponse(record('resp_conv', 'alice', [input(message('in_conv', 'in a conversation'))], null, { conversationId: 'conv_1' }));
  await store.addConversationItems('alice', 'conv_1', [input(answer('ci_3', 'added directly'), 'openai')], 1_700_000_100);
  await store.deleteConversationItem('alice', 'conv_1', 'ci_2');

  // One of HOOK_B's rows is retried later, the other given up on: attempts, errors and leases must carry over.
  await store.saveResponse(record('resp_4', 'alice', [input(message('in_4', 'fourth'))]), [notice('resp_4', HOOK_B)]);
  const claimed = await store.claimWebhookDeliveries({ endpoints: [HOOK_B], now: NOW_MS, leaseMs: 60_000, limit: 10 });
  if (claimed.length !== 2) throw new Error(`expected 2 claimed deliveries, got ${claimed.length}`);
  await store.settleWebhookDelivery(claimed[0]!, { type: 'retry', attempts: 1, nextAttemptAt: NOW_MS + 5_000, lastError: 'HTTP 500' });
  await store.settleWebhookDelivery(claimed[1]!, { type: 'failed', attempts: 8, lastError: 'HTTP 410' });
}

/** Every read of what fillStore wrote, as one value: two stores holding the same data give equal values. */
export async function readEverything(store: ResponseStore) {
  const page = { limit: 100, order: 'asc' as const };
  const ids = ['resp_1', 'resp_2', 'resp_3', 'resp_bob', 'resp_bg_done', 'resp_bg_open', 'resp_conv', 'resp_4'];
  return {
    responses: await Promise.all(ids.map(async (id) => [id, await store.getResponse('alice', id), await store.getResponse('bob', id)])),
    chain: await store.loadChain('alice', 'resp_3'),
    inputs: await store.listInputItems('alice', 'resp_2', page),
    inputsDesc: await store.listInputItems('alice', 'resp_2', { limit: 1, order: 'desc' }),
    found: [...(await store.findItemsById('alice', ['msg_resp_1', 'in_2', 'ci_3', 'in_bob']))].sort(),
    events: await store.readEvents('alice', 'resp_bg_done', -1),
    eventsAfter: await store.readEvents('alice', 'resp_bg_open', 2),
    unfinished: await store.unfinishedRuns(),
    conversation: await store.getConversation('alice', 'conv_1'),
    conversationItems: await store.listConversationItems('alice', 'conv_1', page),
    conversationItemsDesc: await store.listConversationItems('alice', 'conv_1', { limit: 2, order: 'desc' }),
    conversationItem: await store.getConversationItem('alice', 'conv_1', 'msg_resp_conv'),
    conversationHistory: await store.loadConversation('alice', 'conv_1'),
    outbox: await store.webhookOutboxStats([HOOK_A, HOOK_B]),
    outboxB: await store.webhookOutboxStats([HOOK_B]),
  };
}
