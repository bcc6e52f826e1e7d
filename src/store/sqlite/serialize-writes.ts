// Turns the store's writes into the writer's statement rows, serialising each record once (a long history a slice at a time).
import { UPSTREAM_DATA, type ResponseObject, type ResponsesEvent } from '../../../transformers/responses-types.js';
import type { NewRun, ResponseRecord, WebhookDelivery, WebhookNotice, WebhookOutcome } from '../response-store.js';
import { leaseCheck, type StoredRow, type StoredWrite } from './write-statements.js';

/** A response's write, with the JSON it is sent to its client from (`storedResponseJson`). */
export interface StoredRecord extends StoredWrite {
  /** The response's JSON without `output` (it is stored as items). */
  responseJson: string;
  /** The JSON of each output item, in order. */
  outputJson: string[];
}

/** About this many characters of items are serialised per turn of the event loop, and committed per slice. */
export const SLICE_CHARS = 512 * 1024;

/** Past this many input items a record is serialised in slices (a small one is not: that would cost it a turn of the event loop). */
const SLICED_INPUT_ITEMS = 500;

/**
 * What a response's write holds: `whole` a finished response (its row, input and output items, exchange);
 * `start` a background run's first state (its row and input items: no output yet); `finish` that run's end
 * (its row updated, its output items and exchange: the input is stored already).
 */
type Stage = 'whole' | 'start' | 'finish';

/** The rows of a finished response, serialised once. */
export function serializeRecord(record: ResponseRecord): StoredRecord {
  return settle(serializeSteps(record, 'whole'));
}

/** Serialises a record of any size: a long history is serialised in slices, so that other requests go on meanwhile. */
export function serializeResponse(record: ResponseRecord, stage: Stage): StoredRecord | Promise<StoredRecord> {
  const steps = serializeSteps(record, stage);
  return stage !== 'finish' && record.input.length > SLICED_INPUT_ITEMS ? settleInSlices(steps) : settle(steps);
}

/** A background run's first write: its response row (queued), its input items, and its request (a long input in slices, as above). */
export function serializeRunStart(run: NewRun): StoredWrite | Promise<StoredWrite> {
  const withRequest = (stored: StoredWrite): StoredWrite => {
    const requestJson = JSON.stringify(run.request);
    const { instance = null, until = null } = run.lease ?? {};
    stored.rows.push(['insertRun', [run.response.id, run.owner, requestJson, run.response.created_at, instance, until], requestJson.length]);
    stored.size += requestJson.length;
    return stored;
  };
  const serialized = serializeResponse({ ...run, upstreamId: null }, 'start');
  return serialized instanceof Promise ? serialized.then(withRequest) : withRequest(serialized);
}

/** A run's response as it now stands (its output is stored at the end, as items). */
export function serializeRunUpdate(id: string, response: ResponseObject, holder?: string): StoredWrite {
  const { output: _output, ...rest } = response;
  const json = JSON.stringify(rest);
  return { rows: [...leaseCheck(id, holder), ['updateResponse', [response.status, json, id], json.length]], size: json.length };
}

/** Rows of a run's numbered events, appended to its log. */
export function serializeEvents(id: string, events: ResponsesEvent[], write: StoredWrite = { rows: [], size: 0 }, holder?: string): StoredWrite {
  write.rows.push(...leaseCheck(id, holder));
  for (const event of events) {
    if (typeof event.sequence_number !== 'number') throw new Error(`a logged event needs its sequence_number (${event.type} of ${id} has none)`);
    // The run serialised it already when it counted it against its log's cap (eventJson); a store never writes into its arguments.
    const json = event[UPSTREAM_DATA] ?? JSON.stringify(event);
    write.rows.push(['insertEvent', [id, event.sequence_number, event.type, json], json.length]);
    write.size += json.length;
  }
  return write;
}

/** A run's end: its final row and output items, its exchange, its last events; its request is dropped. */
export function serializeRunFinish(record: ResponseRecord, events: ResponsesEvent[], notices?: WebhookNotice[]): StoredRecord {
  const stored = settle(serializeSteps(record, 'finish'));
  // Checked first: a run another instance holds now (or that has ended) gets nothing of this end.
  stored.rows.unshift(...leaseCheck(record.response.id, record.holder));
  serializeEvents(record.response.id, events, stored);
  stored.rows.push(['deleteRun', [record.response.id], 0]);
  return serializeNotices(notices, stored);
}

/** A run to go again from the start: its event log emptied, its status back to queued. */
export function serializeRunRestart(id: string, holder?: string): StoredWrite {
  return {
    rows: [
      ...leaseCheck(id, holder),
      ['deleteEvents', [id], 0],
      ['requeueResponse', [id], 0],
    ],
    size: 0,
  };
}

/** Webhook outbox rows, added to the write of the response's end (one transaction). */
export function serializeNotices<T extends StoredWrite>(notices: WebhookNotice[] | undefined, write: T): T {
  for (const notice of notices ?? []) {
    const { eventId, endpoint, responseId, type, payload, createdAt } = notice;
    write.rows.push(['insertWebhookDelivery', [eventId, endpoint, responseId, type, payload, createdAt, createdAt], payload.length]);
    write.size += payload.length;
  }
  return write;
}

/** A claim of due deliveries under `token` (read back by it once committed). */
/** Run leases (several instances on one store): a takeover of lapsed runs, a renewal, a release at shutdown, a cancel asked for. */
export function serializeRunLeases(write: RunLeaseWrite): StoredWrite {
  switch (write.type) {
    case 'take':
      return { rows: [['leaseRuns', [write.instance, write.token, write.until, write.now, JSON.stringify(write.running), write.limit], 0]], size: 0 };
    case 'renew':
      return { rows: [['renewRunLeases', [write.until, write.instance, JSON.stringify(write.ids)], 0]], size: 0 };
    case 'release':
      return { rows: [['releaseRunLeases', [write.instance], 0]], size: 0 };
    case 'cancel':
      return { rows: [['requestRunCancel', [write.id, write.owner], 0]], size: 0 };
  }
}

export type RunLeaseWrite =
  | { type: 'take'; instance: string; token: string; until: number; now: number; running: string[]; limit: number }
  | { type: 'renew'; instance: string; ids: string[]; until: number }
  | { type: 'release'; instance: string }
  | { type: 'cancel'; owner: string; id: string };

export function serializeWebhookLease(token: string, endpoints: string[], now: number, leaseMs: number, limit: number): StoredWrite {
  return { rows: [['leaseWebhookDeliveries', [token, now + leaseMs, now, now, JSON.stringify(endpoints), limit], 0]], size: 0 };
}

/** A claimed delivery's attempt settled; every statement checks the lease is still the caller's. */
export function serializeWebhookOutcome(delivery: WebhookDelivery, outcome: WebhookOutcome): StoredWrite {
  const key = [delivery.eventId, delivery.endpoint, delivery.leaseToken];
  switch (outcome.type) {
    case 'delivered':
      return { rows: [['deleteWebhookDelivery', key, 0]], size: 0 };
    case 'retry':
      return { rows: [['rescheduleWebhookDelivery', [outcome.attempts, outcome.nextAttemptAt, outcome.lastError, ...key], 0]], size: 0 };
    case 'failed':
      return { rows: [['failWebhookDelivery', [outcome.attempts, outcome.lastError, ...key], 0]], size: 0 };
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown webhook outcome ${JSON.stringify(unknown)}`);
    }
  }
}

function settle(steps: Generator<void, StoredRecord>): StoredRecord {
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** A long history of input items (45 MB from Codex takes 300 ms to serialise) a slice at a time, with a turn of the event loop between. */
async function settleInSlices(steps: Generator<void, StoredRecord>): Promise<StoredRecord> {
  let step = steps.next();
  while (!step.done) {
    await new Promise((resolve) => setImmediate(resolve));
    step = steps.next();
  }
  return step.value;
}

/** Serialises a record, pausing (yield) after every SLICE_CHARS or so of items; a small record never pauses. */
function* serializeSteps(record: ResponseRecord, stage: Stage): Generator<void, StoredRecord> {
  const { response, owner, provider, exchange, input } = record;
  const { output: _output, ...rest } = response;
  const responseJson = JSON.stringify(rest);
  let size = responseJson.length;
  const rows: StoredRow[] = [
    stage === 'finish'
      ? ['finishResponse', [response.status, responseJson, record.upstreamId, provider, response.model, response.id], responseJson.length]
      : [
          'insertResponse',
          [response.id, owner, response.created_at, response.status, response.model, provider, record.upstreamId, record.previousResponseId, responseJson, record.requestId ?? null],
          responseJson.length,
        ],
  ];
  if (stage !== 'finish') {
    let sinceYield = 0;
    for (let position = 0; position < input.length; position++) {
      const { id, item, provider: madeBy } = input[position]!;
      const json = JSON.stringify(item);
      size += json.length;
      sinceYield += json.length;
      rows.push(['insertItem', [response.id, 'input', position, owner, id, item.type ?? 'message', madeBy, json], json.length]);
      if (sinceYield >= SLICE_CHARS) {
        sinceYield = 0;
        yield;
      }
    }
  }
  const outputJson: string[] = [];
  if (stage !== 'start') {
    for (let position = 0; position < response.output.length; position++) {
      const item = response.output[position]!;
      const json = JSON.stringify(item);
      size += json.length;
      outputJson.push(json);
      rows.push(['insertItem', [response.id, 'output', position, owner, item.id ?? `${response.id}_out_${position}`, item.type, provider, json], json.length]);
    }
  }
  if (exchange && stage !== 'start') {
    const { url, status, requestBody, responseBody, warnings } = exchange;
    const chars = requestBody.length + responseBody.length;
    rows.push(['insertExchange', [response.id, owner, provider, url, status, requestBody, responseBody, JSON.stringify(warnings), response.created_at], chars]);
    size += chars;
  }
  if (record.conversationId && stage !== 'start') {
    // Last: the input (stored at the start for a background run) and the output are in items by now.
    const at = typeof response.completed_at === 'number' ? response.completed_at : response.created_at;
    rows.push(['appendResponseToConversation', [at, response.id, record.conversationId], 0]);
    rows.push(['touchConversation', [at, record.conversationId], 0]);
  }
  return { rows, responseJson, outputJson, size };
}

/**
 * The stored response as JSON text, joined from its stored parts: `output` comes last, as a GET returns it.
 * Joined by concatenation, which V8 keeps as a rope until the text is read: a streamed response, whose
 * client never gets this text, does not pay for a copy of its output.
 */
export function storedResponseJson(record: StoredRecord): string {
  let json = `${record.responseJson.slice(0, -1)},"output":[`;
  for (let i = 0; i < record.outputJson.length; i++) json += i === 0 ? record.outputJson[i] : `,${record.outputJson[i]}`;
  return `${json}]}`;
}
