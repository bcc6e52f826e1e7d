// The store as one typed interface: every write and read the runs and routes need. SQLite implements it (store/sqlite/), PostgreSQL too (store/postgres/).
import type { ConversionWarning, JsonObject, ResponseItem, ResponseObject, ResponsesEvent } from '../../transformers/responses-types.js';
import type { KeyUsageCounters } from './key-usage-counters.js';

/** One item of a resolved `previous_response_id` chain, oldest first, with the provider that produced it. */
export interface HistoryItem {
  item: ResponseItem;
  direction: 'input' | 'output';
  provider: string | null;
}

/** An item of this turn's input, with the id it is listed under and the provider that made it (null: the client wrote it). */
export interface InputItem {
  id: string;
  item: ResponseItem;
  provider: string | null;
}

/** The raw upstream exchange kept beside a response (`debug.upstream_exchanges`). */
export interface UpstreamExchange {
  url: string;
  status: number;
  /** The bodies as text, or as UTF-8 bytes (what arrived, or a large request as it was sent): stored as text all the same. */
  requestBody: string | Uint8Array;
  responseBody: string | Uint8Array;
  warnings: ConversionWarning[];
}

/** A finished response, as the store keeps it. */
export interface ResponseRecord {
  owner: string;
  /** The configured provider that ran it: its output items carry this provenance. */
  provider: string;
  /** The X-Request-Id of the request that created it (null or absent: none known). */
  requestId?: string | null;
  upstreamId: string | null;
  previousResponseId: string | null;
  response: ResponseObject;
  /** The input items of this turn only (not the resolved history). */
  input: InputItem[];
  exchange?: UpstreamExchange;
  /**
   * The conversation whose items this response's input then output are appended to, in the transaction
   * that stores it (saveResponse, finishRun); null or absent: none.
   */
  conversationId?: string | null;
  /** A background run's end (finishRun): the instance that holds the run; the end is stored only while it does. */
  holder?: string;
}

/** A conversation as the API shows it. */
export interface ConversationObject {
  id: string;
  object: 'conversation';
  created_at: number;
  metadata: Record<string, string>;
}

/** How old, in seconds since the epoch, a row must be for retention to delete it; absent: kept. */
export interface ExpiryCutoffs {
  /** Responses created before this (finished ones only: a run going on is never deleted). */
  responsesBefore?: number;
  /** Conversations last changed before this. */
  conversationsBefore?: number;
}

/** A background run as it starts: its response (queued) and input are stored at once, with the request that re-runs it after a restart. */
export interface NewRun {
  owner: string;
  provider: string;
  /** The X-Request-Id of the request that created it. */
  requestId?: string | null;
  previousResponseId: string | null;
  /** The response in its first state (`queued`, no output). */
  response: ResponseObject;
  input: InputItem[];
  /** The client's validated request body, kept until the run ends: restart recovery plans it again. */
  request: JsonObject;
  /** The instance that runs it, and until when (ms since the epoch) it holds it; absent: held by none (taken over at once). */
  lease?: { instance: string; until: number };
}

/** A run a previous process left unfinished (found at start by restart recovery). */
export interface UnfinishedRun {
  id: string;
  owner: string;
  /** The configured provider it was routed to. */
  provider: string;
  request: JsonObject;
  /** The response as last stored (its status is `queued` or `in_progress`). */
  response: ResponseObject;
  /** Whether any event past the lifecycle ones (created, queued, in_progress) was logged: output was produced. */
  producedOutput: boolean;
  /** The highest sequence number in its event log, or -1. */
  lastSequence: number;
  /** Whether a cancel was asked for while it ran (it is to end `cancelled`). */
  cancelRequested: boolean;
  /** The X-Request-Id of the request that created it (a run again sends it upstream and logs it), or null. */
  requestId: string | null;
}

/** A sweep for runs whose instance stopped renewing their lease. */
export interface RunTakeover {
  /** The instance taking them. */
  instance: string;
  /** Leases that ran out at or before this (ms since the epoch) have lapsed. */
  now: number;
  /** Until when the taker holds them. */
  until: number;
  /**
   * The runs the taker runs itself, never taken whatever their lease (it could not renew it for a while). Any
   * other lapsed run is taken, its own included: one it stopped running without storing its end.
   */
  running: string[];
  limit: number;
}

/** How the store sees runs an instance believes it holds. */
export interface RunLeaseState {
  /** Taken over by another instance (this one stopped renewing in time): it must stop writing them. */
  lost: string[];
  /** Another instance asked for these to be cancelled. */
  cancelRequested: string[];
}

/** A webhook notice to deliver, written with the response's end (the outbox row). */
export interface WebhookNotice {
  /** `evt_…`: the same on every attempt and for every endpoint. */
  eventId: string;
  /** The endpoint's URL, as configured. */
  endpoint: string;
  responseId: string;
  type: string;
  /** The exact body to send. */
  payload: string;
  /** When the response ended, ms since the epoch. */
  createdAt: number;
}

/** A notice a delivery loop has claimed: it holds it until it settles it, or until the lease runs out. */
export interface WebhookDelivery extends WebhookNotice {
  /** Attempts made before this one. */
  attempts: number;
  leaseToken: string;
}

/** How a claimed delivery ends: delivered (gone from the outbox), tried again later, or given up. */
export type WebhookOutcome =
  | { type: 'delivered' }
  | { type: 'retry'; attempts: number; nextAttemptAt: number; lastError: string }
  | { type: 'failed'; attempts: number; lastError: string };

export interface WebhookClaim {
  /** The endpoints this loop delivers to (others' rows are left alone). */
  endpoints: string[];
  now: number;
  /** How long the claim holds (a loop that dies lets another take the rows after this). */
  leaseMs: number;
  limit: number;
}

export interface WebhookOutboxStats {
  pending: number;
  failed: number;
  /** The soonest pending attempt (ms since the epoch) among the given endpoints, or null. */
  nextAttemptAt: number | null;
}

export interface ListOptions {
  limit: number;
  order: 'asc' | 'desc';
  after?: string;
}

export interface ItemPage {
  items: ResponseItem[];
  hasMore: boolean;
}

export interface ResponseStore {
  // Writes. Each resolves once durable (committed, and on disk when `database.synchronous` is `full`): a
  // client is told something is done only after that. A run's writes are applied in the order they are
  // called, so a caller need not wait for one (say createRun) before calling the next (updateRun).

  /** Stores a finished foreground response whole; resolves with the response's JSON as stored (output last), which is what a client is sent. */
  saveResponse(record: ResponseRecord, notices?: WebhookNotice[]): Promise<string>;
  /** A background run begins: its response row (queued), its input items and its request, in one transaction. */
  createRun(run: NewRun): Promise<void>;
  // `holder` (here, on restartRun, and `record.holder` on finishRun): the instance that holds the run. The write
  // is applied only while it does, else it rejects with RunLeaseLost (run-lease-lost.ts) and nothing of it is
  // written: an instance that lost a run to another (or whose run has ended) writes nothing more of it.
  // Absent: not checked.

  /** The run's response as it now stands (status, and everything but `output`), e.g. `queued` → `in_progress`. */
  updateRun(id: string, response: ResponseObject, holder?: string): Promise<void>;
  /** Appends numbered events to a run's log, in order; writes of one event-loop turn share a transaction. */
  appendEvents(id: string, events: ResponsesEvent[], holder?: string): Promise<void>;
  /**
   * A background run ends: its final response and output items, its exchange, and its last events, in one
   * transaction; its stored request is dropped. Resolves with the response's JSON as stored.
   * `notices` (here and on saveResponse): webhook outbox rows, written in the same transaction.
   */
  finishRun(record: ResponseRecord, events: ResponsesEvent[], notices?: WebhookNotice[]): Promise<string>;
  /** A run found unfinished at start is to run again from the start: its event log is emptied. */
  restartRun(id: string, holder?: string): Promise<void>;
  /** Deletes a response with its items, events and exchange; false when it is not the owner's. */
  deleteResponse(owner: string, id: string): Promise<boolean>;

  // Reads, each scoped to the owning key (another key's id is not found).

  getResponse(owner: string, id: string): Promise<ResponseObject | undefined>;
  /** Input items of one response, as the API lists them; undefined when the response is not the owner's. */
  listInputItems(owner: string, responseId: string, options: ListOptions): Promise<ItemPage | undefined>;
  /** A `previous_response_id` chain's items, oldest response first, inputs before outputs; undefined when the head is not the owner's. */
  loadChain(owner: string, headId: string): Promise<HistoryItem[] | undefined>;
  /** Stored items by id, one per id: the output row when there is one, else the newest input copy. */
  findItemsById(owner: string, ids: string[]): Promise<Map<string, { item: ResponseItem; provider: string | null }>>;
  /** A run's logged events after sequence number `after`, in order; undefined when the response is not the owner's. */
  readEvents(owner: string, id: string, after: number): Promise<ResponsesEvent[] | undefined>;
  /** Runs left `queued` or `in_progress` (by a process that stopped, or going on), oldest first. */
  unfinishedRuns(): Promise<UnfinishedRun[]>;

  // Run leases: which instance runs a background run. The holder renews its lease; when it lapses (the instance
  // died, or lost the store for longer than the lease), another takes the run over and applies restart recovery.

  /** Leases to the taker the runs whose lease lapsed (but those it runs), oldest first, and returns them. */
  takeOverRuns(takeover: RunTakeover): Promise<UnfinishedRun[]>;
  /** Extends the leases of those of `ids` the instance still holds. */
  renewRunLeases(instance: string, ids: string[], until: number): Promise<void>;
  /** Which of `ids` the instance lost, and which it is asked to cancel (a read, for polling). */
  runLeaseState(instance: string, ids: string[]): Promise<RunLeaseState>;
  /** Shutdown: the instance's leases end now, so another takes its runs over at its next sweep. */
  releaseRunLeases(instance: string): Promise<void>;
  /** Asks the instance running it to cancel the owner's run; false when no such run goes on (it ended, or is not the owner's). */
  requestRunCancel(owner: string, id: string): Promise<boolean>;

  // Conversations, each scoped to the owning key like the reads above. Items added to one directly belong
  // to no response; a response's items are appended by saveResponse and finishRun (ResponseRecord.conversationId).

  /** Stores a new conversation with its first items, in one transaction. */
  createConversation(owner: string, conversation: ConversationObject, items: InputItem[]): Promise<void>;
  getConversation(owner: string, id: string): Promise<ConversationObject | undefined>;
  /** Replaces its metadata; undefined when it is not the owner's. */
  updateConversation(owner: string, id: string, metadata: Record<string, string>, now: number): Promise<ConversationObject | undefined>;
  /** Deletes it with its items (a response's own items stay with the response); false when it is not the owner's. */
  deleteConversation(owner: string, id: string): Promise<boolean>;
  /** Appends items after its last one, in one transaction; false when it is not the owner's. */
  addConversationItems(owner: string, id: string, items: InputItem[], now: number): Promise<boolean>;
  /** Its items as the API lists them; undefined when it is not the owner's. */
  listConversationItems(owner: string, id: string, options: ListOptions): Promise<ItemPage | undefined>;
  /** One of its items (the latest, should an id be there twice); undefined when either is not found. */
  getConversationItem(owner: string, id: string, itemId: string): Promise<ResponseItem | undefined>;
  /** Removes an item from it (a response's item stays with that response); false when either is not found. */
  deleteConversationItem(owner: string, id: string, itemId: string): Promise<boolean>;
  /** Every item, oldest first, with its provenance (what a response in it sees); undefined when it is not the owner's. */
  loadConversation(owner: string, id: string): Promise<HistoryItem[] | undefined>;

  /**
   * Retention: deletes up to `limit` responses and up to `limit` conversations older than the cutoffs, each
   * batch in one short transaction; resolves with how many of each went (fewer than `limit`: none are left).
   */
  deleteExpired(cutoffs: ExpiryCutoffs, limit: number): Promise<{ responses: number; conversations: number }>;
  // The webhook outbox (a PostgreSQL store claims with FOR UPDATE SKIP LOCKED; the lease is the same).

  /** Takes up to `limit` due pending deliveries for the endpoints, soonest first, and leases them to the caller. */
  claimWebhookDeliveries(claim: WebhookClaim): Promise<WebhookDelivery[]>;
  /** Ends a claimed delivery's attempt; a no-op when its lease was lost (another loop has the row). */
  settleWebhookDelivery(delivery: WebhookDelivery, outcome: WebhookOutcome): Promise<void>;
  /** Counts of the outbox, and when the next attempt for the endpoints is due. */
  webhookOutboxStats(endpoints: string[]): Promise<WebhookOutboxStats>;

  /**
   * Per-key usage counters shared by every instance on this store (keys[].limits): PostgreSQL's. Absent where
   * one process owns the store (SQLite), whose limits are counted in that process's memory (server/key-limits.ts).
   */
  readonly keyUsage?: KeyUsageCounters;

  /** Whether the store answers (for readiness). */
  ping(): Promise<void>;
  /** Waits for every write queued so far. */
  flush(): Promise<void>;
  /** Flushes, then closes. */
  close(): Promise<void>;
}

