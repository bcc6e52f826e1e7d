// The content and summary parts events write into: found, or made with the `.added` event a client expects; and the `.done` text reconciled with the deltas sent.
import { contentIndex, summaryIndex, type TrackedItem } from './output-tracker.js';
import type { JsonObject, ResponsesEvent } from './responses-types.js';

type PartEntry = NonNullable<ReturnType<TrackedItem['parts']['get']>>;
type SummaryEntry = NonNullable<ReturnType<TrackedItem['summaries']['get']>>;

/** The content part an event writes into; `added` is the event that announces it when it is new. */
export function partFor(tracked: TrackedItem, event: ResponsesEvent): { entry: PartEntry; added?: ResponsesEvent } {
  const index = contentIndex(event);
  const found = tracked.parts.get(index);
  if (found) return { entry: found };
  const part: JsonObject & { type: string } = event.type.startsWith('response.reasoning_text')
    ? { type: 'reasoning_text', text: '' }
    : event.type.startsWith('response.refusal')
      ? { type: 'refusal', refusal: '' }
      : { type: 'output_text', text: '', annotations: [], logprobs: [] };
  const entry = { part, open: true, field: 'content' as const };
  tracked.parts.set(index, entry);
  return { entry, added: { type: 'response.content_part.added', item_id: tracked.item.id, output_index: tracked.index, content_index: index, part: { ...part } } };
}

/** The reasoning summary part an event writes into; `added` announces it when it is new. */
export function summaryFor(tracked: TrackedItem, event: ResponsesEvent): { entry: SummaryEntry; added?: ResponsesEvent } {
  const index = summaryIndex(event);
  const found = tracked.summaries.get(index);
  if (found) return { entry: found };
  const entry = { part: { type: 'summary_text', text: '' }, open: true };
  tracked.summaries.set(index, entry);
  return { entry, added: { type: 'response.reasoning_summary_part.added', item_id: tracked.item.id, output_index: tracked.index, summary_index: index, part: { type: 'summary_text', text: '' } } };
}

/**
 * The deltas a client saw must add up to the `.done` text. Upstream text that runs ahead of its deltas is
 * returned as one more delta to send first; text that contradicts them is replaced, in the event, by what
 * the client already has.
 */
export function reconcileDone(event: ResponsesEvent, field: string, accumulated: string): ResponsesEvent | undefined {
  const final = event[field];
  if (typeof final !== 'string' || final === accumulated) return undefined;
  if (!final.startsWith(accumulated)) {
    event[field] = accumulated;
    return undefined;
  }
  const { [field]: _omit, sequence_number: _seq, type: _type, ...rest } = event;
  return { type: event.type.replace(/\.done$/, '.delta'), ...rest, delta: final.slice(accumulated.length) };
}
