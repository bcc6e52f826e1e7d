// Turns any provider's events into one well-formed Responses stream: numbered, repaired, folded, one terminal event.
import { closeOpenParts } from './close-open-parts.js';
import { partFor, reconcileDone, summaryFor } from './open-parts.js';
import { OutputTracker, contentIndex, foldItem, placeOn, summaryIndex, textField, type TrackedItem } from './output-tracker.js';
import { mergeSnapshot, settleResponse, type SnapshotOverrides } from './response-snapshot.js';
import { STATUS_OF, emptyItem, errorEvent, readFailure, sameItems, withLogprobs, type StreamFailure } from './stream-event-shapes.js';
import { isTerminalEventType, UPSTREAM_DATA, type JsonObject, type ResponseItem, type ResponseObject, type ResponsesEvent, type TerminalEventType } from './responses-types.js';

export type { StreamFailure } from './stream-event-shapes.js';

export interface SequencerOptions {
  /** The response as the gateway knows it before upstream speaks (see responseSkeleton). */
  skeleton: ResponseObject;
  overrides: SnapshotOverrides;
  /** Unix seconds; passed in so that this module stays free of the clock. */
  now: () => number;
}

/** Event types whose first arrival means the client has been shown output (the point of no HTTP error). */
const LIFECYCLE = new Set(['response.created', 'response.in_progress', 'response.queued']);

export class Sequencer {
  private nextSequence = 0;
  private started = false;
  private terminalType: TerminalEventType | undefined;
  private terminal: ResponsesEvent | undefined;
  private pendingError: StreamFailure | undefined;
  private readonly tracker = new OutputTracker();
  private current: ResponseObject;
  /** The upstream's own response id, kept in the store for debugging. */
  upstreamId: string | null = null;

  constructor(private readonly options: SequencerOptions) {
    this.current = options.skeleton;
  }

  /** The folded response: final once `done`. */
  get response(): ResponseObject {
    return this.current;
  }

  get done(): boolean {
    return this.terminalType !== undefined;
  }

  static isLifecycle(event: ResponsesEvent): boolean {
    return LIFECYCLE.has(event.type);
  }

  /** Takes one upstream event; returns the events to emit, stamped, in order. */
  push(event: ResponsesEvent): ResponsesEvent[] {
    return this.pushAll([event]);
  }

  /** Takes a batch of upstream events; returns the events to emit for all of them, stamped, in order. */
  pushAll(events: ResponsesEvent[]): ResponsesEvent[] {
    const out: ResponsesEvent[] = [];
    for (const event of events) {
      if (this.terminalType) break;
      if (!this.started) this.start(event, out);
      this.reduce(event, out);
    }
    return out;
  }

  /** The upstream stream ended. Without a terminal event that is a failure, never a clean end. */
  end(): ResponsesEvent[] {
    if (this.terminalType) return [];
    return this.fail(this.pendingError ?? { code: 'server_error', message: 'The upstream closed the stream before the response completed.' });
  }

  /** The run failed (upstream socket error, timeout, client-visible abort): error event, then response.failed. */
  fail(failure: StreamFailure): ResponsesEvent[] {
    if (this.terminalType) return [];
    const out: ResponsesEvent[] = [];
    if (!this.started) this.start({ type: 'error' }, out);
    if (!this.pendingError) {
      this.closeItems('incomplete', out);
      this.emit(out, errorEvent(failure));
      this.pendingError = failure;
    }
    this.terminate('response.failed', undefined, out);
    return out;
  }

  /**
   * The run starts before upstream says anything: a background run (created and queued, at once) or a stream
   * whose upstream stayed silent past the first heartbeat (created and in_progress). Upstream's own
   * `response.created` is then noise; the first output of a queued run is preceded by `response.in_progress`.
   */
  begin(status: 'queued' | 'in_progress'): ResponsesEvent[] {
    if (this.started) return [];
    this.started = true;
    this.current = { ...this.current, status };
    const out: ResponsesEvent[] = [];
    this.emit(out, { type: 'response.created', response: this.snapshot(undefined) });
    this.emit(out, { type: status === 'queued' ? 'response.queued' : 'response.in_progress', response: this.snapshot(undefined) });
    return out;
  }

  /** The run was cancelled: what is open is closed `incomplete`, and `response.cancelled` ends it. */
  cancel(): ResponsesEvent[] {
    if (this.terminalType) return [];
    const out: ResponsesEvent[] = [];
    if (!this.started) this.begin('in_progress');
    this.terminate('response.cancelled', undefined, out);
    return out;
  }

  /** The response as it stands mid-run: its status and the output so far (open items folded as they are). */
  peek(): ResponseObject {
    if (this.terminalType) return this.current;
    return { ...this.current, output: this.tracker.output('in_progress') };
  }

  /**
   * The terminal event emitted last was never sent (the gateway could not store the response, and a response is
   * acknowledged only once stored): a completed or incomplete end becomes `error` + `response.failed`, numbered
   * from the terminal event's number on. A failed end already says so and stands.
   */
  retractTerminal(failure: StreamFailure): ResponsesEvent[] {
    const terminal = this.terminal;
    if (!terminal) return [];
    if (this.terminalType === 'response.failed') return [terminal];
    this.nextSequence = terminal.sequence_number as number;
    this.terminalType = undefined;
    this.terminal = undefined;
    const out: ResponsesEvent[] = [];
    this.emit(out, errorEvent(failure));
    this.pendingError = failure;
    this.terminate('response.failed', undefined, out);
    return out;
  }

  private start(first: ResponsesEvent, out: ResponsesEvent[]): void {
    this.started = true;
    if (first.type === 'response.created') return;
    // Chat Completions providers (and odd upstreams) say nothing before their first output: the client still
    // gets the lifecycle every SDK expects.
    this.emit(out, { type: 'response.created', response: this.snapshot(undefined) });
    this.emit(out, { type: 'response.in_progress', response: this.snapshot(undefined) });
  }

  private reduce(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const type = event.type;
    if (LIFECYCLE.has(type)) return this.onLifecycle(event, out);
    if (this.current.status === 'queued') this.onLifecycle({ type: 'response.in_progress' }, out);
    if (isTerminalEventType(type)) return this.terminate(type, event.response as JsonObject | undefined, out);
    switch (type) {
      case 'response.output_item.added':
        return this.onItemAdded(event, out);
      case 'response.output_item.done':
        return this.onItemDone(event, out);
      case 'response.content_part.added':
        return this.onPartAdded(event, out);
      case 'response.content_part.done':
        return this.onPartDone(event, out);
      case 'response.output_text.delta':
      case 'response.refusal.delta':
      case 'response.reasoning_text.delta':
        return this.onPartDelta(event, out);
      case 'response.output_text.done':
      case 'response.refusal.done':
      case 'response.reasoning_text.done':
        return this.onPartTextDone(event, out);
      case 'response.output_text.annotation.added':
        return this.onAnnotation(event, out);
      case 'response.reasoning_summary_part.added':
        return this.onSummaryAdded(event, out);
      case 'response.reasoning_summary_text.delta':
        return this.onSummaryDelta(event, out);
      case 'response.reasoning_summary_text.done':
        return this.onSummaryTextDone(event, out);
      case 'response.reasoning_summary_part.done':
        return this.onSummaryDone(event, out);
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        return this.onArgumentsDelta(event, out);
      case 'response.function_call_arguments.done':
      case 'response.custom_tool_call_input.done':
        return this.onArgumentsDone(event, out);
      case 'error':
        return this.onError(event, out);
      default:
        // Hosted-tool progress events and anything newer than this code: passed on untouched.
        return this.emit(out, event);
    }
  }

  private onLifecycle(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const upstream = event.response as JsonObject | undefined;
    if (typeof upstream?.id === 'string') this.upstreamId ??= upstream.id;
    if (event.type === 'response.created' && this.nextSequence > 0) return; // a second created is noise
    // The gateway's own lifecycle (begin) already said this: a queued run is queued until it runs upstream.
    if (event.type === 'response.queued' && this.nextSequence > 0) return;
    if (event.type === 'response.in_progress' && this.current.status === 'in_progress' && this.nextSequence > 1) return;
    const snapshot = this.snapshot(upstream);
    if (event.type === 'response.in_progress') snapshot.status = 'in_progress';
    else if (typeof upstream?.status === 'string') snapshot.status = upstream.status as ResponseObject['status'];
    this.current = snapshot;
    event.response = snapshot;
    this.emit(out, event);
  }

  private onItemAdded(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const index = typeof event.output_index === 'number' && !this.tracker.get(event.output_index) ? event.output_index : this.tracker.nextIndex();
    event.output_index = index;
    this.tracker.add(index, event.item as ResponseItem);
    this.emit(out, event);
  }

  private onItemDone(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const item = event.item as ResponseItem;
    if (item.type === 'message' && Array.isArray(item.content)) for (const part of item.content as JsonObject[]) withLogprobs(part);
    const tracked = this.locate(event, out, item.type, item);
    this.closeParts(tracked, out);
    this.tracker.complete(tracked, item);
    this.emit(out, event);
  }

  private onPartAdded(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const tracked = this.locate(event, out, 'message');
    withLogprobs(event.part as JsonObject);
    const part = { ...(event.part as JsonObject) } as { type: string; text?: string };
    tracked.parts.set(contentIndex(event), { part, open: true, field: 'content' });
    this.emit(out, event);
  }

  private onPartDone(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const tracked = this.tracker.find(event);
    if (tracked) placeOn(event, tracked);
    const entry = tracked?.parts.get(contentIndex(event));
    withLogprobs(event.part as JsonObject);
    if (entry) {
      entry.open = false;
      entry.part = { ...(event.part as JsonObject) } as typeof entry.part;
    }
    this.emit(out, event);
  }

  private onPartDelta(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const entry = this.ensurePart(event, out);
    const field = textField(entry.part.type);
    if (event.type === 'response.output_text.delta' && event.logprobs === undefined) {
      event.logprobs = [];
      delete event[UPSTREAM_DATA];
    }
    entry.part[field] = String(entry.part[field] ?? '') + String(event.delta ?? '');
    this.emit(out, event);
  }

  private onPartTextDone(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const entry = this.ensurePart(event, out);
    const field = textField(entry.part.type);
    const doneField = event.type === 'response.refusal.done' ? 'refusal' : 'text';
    if (event.type === 'response.output_text.done') event.logprobs ??= [];
    this.reconcile(event, doneField, String(entry.part[field] ?? ''), out);
    entry.part[field] = String(event[doneField] ?? '');
    this.emit(out, event);
  }

  private onAnnotation(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const entry = this.ensurePart(event, out);
    const annotations = Array.isArray(entry.part.annotations) ? (entry.part.annotations as unknown[]) : [];
    entry.part.annotations = [...annotations, event.annotation];
    this.emit(out, event);
  }

  private onSummaryAdded(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const tracked = this.locate(event, out, 'reasoning');
    tracked.summaries.set(summaryIndex(event), { part: { ...(event.part as JsonObject), type: 'summary_text' }, open: true });
    this.emit(out, event);
  }

  private onSummaryDelta(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const entry = this.ensureSummary(event, out);
    entry.part.text = String(entry.part.text ?? '') + String(event.delta ?? '');
    this.emit(out, event);
  }

  private onSummaryTextDone(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const entry = this.ensureSummary(event, out);
    this.reconcile(event, 'text', String(entry.part.text ?? ''), out);
    entry.part.text = event.text as string;
    this.emit(out, event);
  }

  private onSummaryDone(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const entry = this.ensureSummary(event, out);
    entry.open = false;
    this.emit(out, event);
  }

  private onArgumentsDelta(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const field = event.type === 'response.custom_tool_call_input.delta' ? 'input' : 'arguments';
    const tracked = this.locate(event, out, field === 'input' ? 'custom_tool_call' : 'function_call');
    tracked.item[field] = String(tracked.item[field] ?? '') + String(event.delta ?? '');
    this.emit(out, event);
  }

  private onArgumentsDone(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const field = event.type === 'response.custom_tool_call_input.done' ? 'input' : 'arguments';
    const tracked = this.locate(event, out, field === 'input' ? 'custom_tool_call' : 'function_call');
    this.reconcile(event, field, String(tracked.item[field] ?? ''), out);
    tracked.item[field] = event[field];
    // Real upstreams leave `name` out of this event although the spec requires it; the item knows it.
    if (field === 'arguments' && event.name === undefined && typeof tracked.item.name === 'string') event.name = tracked.item.name;
    this.emit(out, event);
  }

  private onError(event: ResponsesEvent, out: ResponsesEvent[]): void {
    const failure = readFailure(event);
    // Open items are closed first, so that `error` stands right before its `response.failed`.
    this.closeItems('incomplete', out);
    this.pendingError = failure;
    this.emit(out, errorEvent(failure));
  }

  /** Closes what is open, folds the output, and emits the one terminal event. */
  private terminate(type: TerminalEventType, upstream: JsonObject | undefined, out: ResponsesEvent[]): void {
    const status = STATUS_OF[type];
    if (typeof upstream?.id === 'string') this.upstreamId ??= upstream.id;
    this.closeItems(status === 'completed' ? 'completed' : 'incomplete', out);
    const response = this.snapshot(upstream);
    // Upstream's own final items win when they are the items streamed (OpenAI re-encrypts reasoning there).
    if (sameItems(upstream?.output, response.output)) response.output = upstream!.output as ResponseItem[];
    settleResponse(response, status, this.options.now(), this.pendingError);
    this.current = response;
    this.terminalType = type;
    this.terminal = { type, response };
    this.emit(out, this.terminal);
  }

  private closeItems(status: 'completed' | 'incomplete', out: ResponsesEvent[]): void {
    for (const tracked of this.tracker.open()) {
      this.closeParts(tracked, out);
      const item = foldItem(tracked, status);
      this.tracker.complete(tracked, item);
      this.emit(out, { type: 'response.output_item.done', output_index: tracked.index, item });
    }
  }

  private snapshot(upstream: JsonObject | undefined): ResponseObject {
    return mergeSnapshot(this.current, upstream, this.options.overrides, this.tracker.output());
  }

  /** The item an event belongs to (announced now if it never was), with the event's output_index set to it. */
  private locate(event: ResponsesEvent, out: ResponsesEvent[], type: string, item?: ResponseItem): TrackedItem {
    const tracked = this.tracker.find(event) ?? this.openItem(event, out, type, item);
    placeOn(event, tracked);
    return tracked;
  }

  /** An event arrived for an item never announced: announce it, so clients can place the event. */
  private openItem(event: ResponsesEvent, out: ResponsesEvent[], type: string, item?: ResponseItem): TrackedItem {
    const index = typeof event.output_index === 'number' && !this.tracker.get(event.output_index) ? event.output_index : this.tracker.nextIndex();
    const id = typeof event.item_id === 'string' ? event.item_id : item?.id;
    const announced: ResponseItem = { ...emptyItem(type), ...(id ? { id } : {}), status: 'in_progress' };
    if (item) for (const key of ['call_id', 'name', 'role'] as const) if (item[key] !== undefined) announced[key] = item[key];
    const tracked = this.tracker.add(index, announced);
    this.emit(out, { type: 'response.output_item.added', output_index: index, item: announced });
    return tracked;
  }

  private ensurePart(event: ResponsesEvent, out: ResponsesEvent[]) {
    const tracked = this.locate(event, out, event.type.startsWith('response.reasoning_text') ? 'reasoning' : 'message');
    const { entry, added } = partFor(tracked, event);
    if (added) this.emit(out, added);
    return entry;
  }

  private ensureSummary(event: ResponsesEvent, out: ResponsesEvent[]) {
    const { entry, added } = summaryFor(this.locate(event, out, 'reasoning'), event);
    if (added) this.emit(out, added);
    return entry;
  }

  /** Closes an item's open parts with the events a client expects before output_item.done. */
  private closeParts(tracked: TrackedItem, out: ResponsesEvent[]): void {
    for (const event of closeOpenParts(tracked)) this.emit(out, event);
  }

  /** Sends the delta a `.done` text runs ahead by first, or corrects the `.done` to what was sent (open-parts.ts). */
  private reconcile(event: ResponsesEvent, field: string, accumulated: string, out: ResponsesEvent[]): void {
    const missing = reconcileDone(event, field, accumulated);
    if (missing) this.emit(out, missing);
  }

  private emit(out: ResponsesEvent[], event: ResponsesEvent): void {
    const sequence = this.nextSequence++;
    if (event.sequence_number !== sequence) {
      event.sequence_number = sequence;
      delete event[UPSTREAM_DATA];
    }
    out.push(event);
  }
}
