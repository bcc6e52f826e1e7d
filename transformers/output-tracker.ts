// Tracks each output item as its events arrive, so the stream can be checked, repaired and folded.
import { UPSTREAM_DATA, type JsonObject, type ResponseItem, type ResponsesEvent } from './responses-types.js';

interface TrackedPart extends JsonObject {
  type: string;
  text?: string;
}

export interface TrackedItem {
  index: number;
  item: ResponseItem;
  /** content_index → part, for message items (output_text / refusal) and raw reasoning text. */
  parts: Map<number, { part: TrackedPart; open: boolean; field: 'content' }>;
  /** summary_index → summary part, for reasoning items. */
  summaries: Map<number, { part: TrackedPart; open: boolean }>;
  done: boolean;
}

/** Output items by `output_index`, in the order they were added. */
export class OutputTracker {
  private readonly items = new Map<number, TrackedItem>();
  private readonly byId = new Map<string, TrackedItem>();

  get(index: number): TrackedItem | undefined {
    return this.items.get(index);
  }

  /**
   * The item an event belongs to. An event names it twice, by item_id (or its item's id) and by output_index; when
   * they disagree the id wins, and an id never announced belongs to no item yet (not to the one at that index).
   */
  find(event: ResponsesEvent): TrackedItem | undefined {
    const id = typeof event.item_id === 'string' ? event.item_id : (event.item as ResponseItem | undefined)?.id;
    if (typeof id === 'string') {
      const byId = this.byId.get(id);
      if (byId) return byId;
    }
    const byIndex = typeof event.output_index === 'number' ? this.items.get(event.output_index) : undefined;
    return byIndex && (typeof id !== 'string' || typeof byIndex.item.id !== 'string') ? byIndex : undefined;
  }

  nextIndex(): number {
    let next = 0;
    for (const index of this.items.keys()) next = Math.max(next, index + 1);
    return next;
  }

  add(index: number, item: ResponseItem): TrackedItem {
    const tracked: TrackedItem = { index, item: structuredClone(item), parts: new Map(), summaries: new Map(), done: false };
    this.items.set(index, tracked);
    if (typeof item.id === 'string') this.byId.set(item.id, tracked);
    return tracked;
  }

  complete(tracked: TrackedItem, finalItem: ResponseItem): void {
    tracked.item = finalItem;
    tracked.done = true;
    for (const part of tracked.parts.values()) part.open = false;
    for (const summary of tracked.summaries.values()) summary.open = false;
  }

  open(): TrackedItem[] {
    return [...this.items.values()].filter((t) => !t.done);
  }

  /** The folded output, in output_index order; an item still open gets `openStatus` (mid-run: in_progress). */
  output(openStatus: 'incomplete' | 'in_progress' = 'incomplete'): ResponseItem[] {
    return [...this.items.values()].sort((a, b) => a.index - b.index).map((t) => (t.done ? t.item : foldItem(t, openStatus)));
  }
}

/** The item as its deltas built it, for an item upstream never closed. */
export function foldItem(tracked: TrackedItem, status: 'completed' | 'incomplete' | 'in_progress'): ResponseItem {
  const item: ResponseItem = { ...tracked.item, status };
  if (tracked.parts.size > 0) {
    item.content = [...tracked.parts.entries()].sort(([a], [b]) => a - b).map(([, p]) => ({ ...p.part }));
  }
  if (tracked.summaries.size > 0) {
    item.summary = [...tracked.summaries.entries()].sort(([a], [b]) => a - b).map(([, s]) => ({ ...s.part }));
  }
  return item;
}

/** Points an event at its item's output_index (upstream's may name another item, or none). */
export function placeOn(event: ResponsesEvent, tracked: TrackedItem): void {
  if (event.output_index === tracked.index) return;
  event.output_index = tracked.index;
  delete event[UPSTREAM_DATA];
}

export const textField = (partType: string) => (partType === 'refusal' ? 'refusal' : 'text');
export const contentIndex = (event: ResponsesEvent) => (typeof event.content_index === 'number' ? event.content_index : 0);
export const summaryIndex = (event: ResponsesEvent) => (typeof event.summary_index === 'number' ? event.summary_index : 0);
