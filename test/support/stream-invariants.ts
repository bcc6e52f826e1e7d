// Checks the promises the gateway makes about every stream it emits; returns the violations found.
import type { JsonObject } from '../../transformers/responses-types.js';

type Event = JsonObject & { type: string };

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export function streamViolations(events: Event[]): string[] {
  const problems: string[] = [];
  const fail = (i: number, message: string) => problems.push(`event ${i} (${events[i]?.type}): ${message}`);

  if (events[0]?.type !== 'response.created') problems.push(`first event is ${events[0]?.type}, not response.created`);
  const ids = new Set<unknown>();
  const items = new Map<number, { id: unknown; done: boolean }>();
  const parts = new Set<string>();
  const text = new Map<string, string>();
  let terminals = 0;

  events.forEach((event, i) => {
    if (event.sequence_number !== i) fail(i, `sequence_number ${String(event.sequence_number)}, expected ${i}`);
    const response = event.response as JsonObject | undefined;
    if (response) ids.add(response.id);
    if (TERMINAL.has(event.type)) {
      terminals++;
      if (i !== events.length - 1) fail(i, 'terminal event is not the last event');
    }
    if (event.type === 'error' && events[i + 1]?.type !== 'response.failed') fail(i, 'error not followed by response.failed');
    const index = event.output_index as number | undefined;
    // An event names its item twice (item_id and output_index): both must name the item announced there.
    const announced = index === undefined ? undefined : items.get(index);
    if (announced && typeof event.item_id === 'string' && event.item_id !== announced.id) fail(i, `item_id ${event.item_id} at output_index ${index}, which holds ${String(announced.id)}`);
    const key = `${index}:${String(event.content_index ?? event.summary_index ?? 0)}:${event.type.includes('summary') ? 's' : 'c'}`;
    switch (event.type) {
      case 'response.output_item.added':
        if (items.has(index!)) fail(i, `output_index ${index} added twice`);
        items.set(index!, { id: (event.item as JsonObject).id, done: false });
        break;
      case 'response.output_item.done': {
        const item = items.get(index!);
        if (!item) fail(i, `output_item.done for index ${index} never added`);
        else if ((event.item as JsonObject).id !== item.id) fail(i, `item ${String((event.item as JsonObject).id)} done at output_index ${index}, which holds ${String(item.id)}`);
        else if (item.done) fail(i, `output_index ${index} done twice`);
        else item.done = true;
        break;
      }
      case 'response.content_part.added':
      case 'response.reasoning_summary_part.added':
        if (!items.has(index!)) fail(i, `part added to unknown item ${index}`);
        parts.add(key);
        break;
      case 'response.output_text.delta':
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
      case 'response.refusal.delta':
        if (!items.has(index!)) fail(i, `delta before output_item.added for ${index}`);
        if (!parts.has(key)) fail(i, `delta before its part was added (${key})`);
        text.set(key, (text.get(key) ?? '') + String(event.delta));
        break;
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        if (!items.has(index!)) fail(i, `delta before output_item.added for ${index}`);
        text.set(`${index}:args`, (text.get(`${index}:args`) ?? '') + String(event.delta));
        break;
      case 'response.output_text.done':
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_text.done':
        if ((text.get(key) ?? '') !== event.text) fail(i, `deltas ${JSON.stringify(text.get(key) ?? '').slice(0, 80)} != done text ${JSON.stringify(event.text).slice(0, 80)}`);
        break;
      case 'response.function_call_arguments.done':
        if ((text.get(`${index}:args`) ?? '') !== event.arguments) fail(i, 'argument deltas != done arguments');
        break;
      case 'response.custom_tool_call_input.done':
        if ((text.get(`${index}:args`) ?? '') !== event.input) fail(i, 'input deltas != done input');
        break;
    }
  });
  if (terminals !== 1) problems.push(`${terminals} terminal events, expected exactly 1`);
  if (ids.size !== 1) problems.push(`response ids differ across events: ${[...ids].join(', ')}`);
  for (const [index, item] of items) if (!item.done) problems.push(`output_index ${index} never done`);
  return problems;
}
