// Splits one chunk's choice into the pieces the converter handles, in the order they belong in the output.
import type { JsonObject } from '../responses-types.js';
import type { ChatAnnotation, ChatChoice } from './chat-chunk-schema.js';
import { readableReasoning } from './merge-reasoning-details.js';

export type DeltaPart =
  /** `text` may be empty when the chunk only carries details (a signature, an encrypted blob). */
  | { type: 'reasoning'; text: string; details: JsonObject[] }
  | { type: 'text'; text: string; logprobs: JsonObject[] }
  | { type: 'refusal'; text: string }
  | { type: 'annotations'; annotations: JsonObject[] }
  | { type: 'tool-call'; index: number; callId?: string; name?: string; arguments: string };

/**
 * Reasoning comes first (a chunk may carry reasoning and content together; both are kept), then text,
 * refusal, citations, tool calls. Empty strings are no data: OpenRouter repeats `content: ""` on every chunk.
 */
export function readChatDelta(choice: ChatChoice): DeltaPart[] {
  const delta = choice.delta;
  if (!delta) return [];
  const parts: DeltaPart[] = [];

  const details = delta.reasoning_details ?? [];
  const reasoningText = readReasoningText(details, delta.reasoning ?? delta.reasoning_content ?? '');
  if (reasoningText !== '' || details.length > 0) {
    parts.push({ type: 'reasoning', text: reasoningText, details });
  }
  if (delta.content) {
    parts.push({ type: 'text', text: delta.content, logprobs: choice.logprobs?.content ?? [] });
  }
  if (delta.refusal) parts.push({ type: 'refusal', text: delta.refusal });
  const annotations = (delta.annotations ?? []).flatMap(toResponsesAnnotation);
  if (annotations.length > 0) parts.push({ type: 'annotations', annotations });

  (delta.tool_calls ?? []).forEach((call, position) => {
    parts.push({
      type: 'tool-call',
      index: call.index ?? position,
      callId: call.id ?? undefined,
      name: call.function?.name ?? undefined,
      arguments: call.function?.arguments ?? '',
    });
  });
  return parts;
}

// OpenRouter sends the same text twice per chunk: in `delta.reasoning` and in a `reasoning.text` detail.
// The details are the richer source (they carry signatures), so when any readable detail is present the
// text comes from the details alone; `reasoning` / `reasoning_content` (vLLM, DeepSeek) are the fallback.
function readReasoningText(details: JsonObject[], fallback: string): string {
  const readable = details.filter((detail) => detail.type === 'reasoning.text' || detail.type === 'reasoning.summary');
  if (readable.length === 0) return fallback;
  return readable.map((detail) => readableReasoning(detail) ?? '').join('');
}

// Responses' url_citation is flat ({type, url, title, start_index, end_index}); OpenRouter's page excerpt
// (`url_citation.content`) has no place in it and is not carried.
function toResponsesAnnotation(annotation: ChatAnnotation): JsonObject[] {
  const citation = annotation.url_citation;
  if (annotation.type !== 'url_citation' || !citation) return [annotation];
  return [
    {
      type: 'url_citation',
      url: citation.url,
      title: citation.title ?? '',
      start_index: citation.start_index ?? 0,
      end_index: citation.end_index ?? 0,
    },
  ];
}
