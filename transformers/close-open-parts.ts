// The events that close an item's open content and summary parts, in the order clients expect before its output_item.done.
import type { TrackedItem } from './output-tracker.js';
import type { ResponsesEvent } from './responses-types.js';

/** Marks the item's open parts closed and returns their closing events, unnumbered (the sequencer numbers them). */
export function closeOpenParts(tracked: TrackedItem): ResponsesEvent[] {
  const out: ResponsesEvent[] = [];
  const base = { item_id: tracked.item.id, output_index: tracked.index };
  for (const [index, entry] of tracked.parts) {
    if (!entry.open) continue;
    entry.open = false;
    const part = entry.part;
    if (part.type === 'output_text') out.push({ type: 'response.output_text.done', ...base, content_index: index, text: part.text ?? '', logprobs: [] });
    if (part.type === 'reasoning_text') out.push({ type: 'response.reasoning_text.done', ...base, content_index: index, text: part.text ?? '' });
    if (part.type === 'refusal') out.push({ type: 'response.refusal.done', ...base, content_index: index, refusal: part.refusal ?? '' });
    out.push({ type: 'response.content_part.done', ...base, content_index: index, part: { ...part } });
  }
  for (const [index, entry] of tracked.summaries) {
    if (!entry.open) continue;
    entry.open = false;
    out.push({ type: 'response.reasoning_summary_text.done', ...base, summary_index: index, text: entry.part.text ?? '' });
    out.push({ type: 'response.reasoning_summary_part.done', ...base, summary_index: index, part: { ...entry.part } });
  }
  return out;
}
