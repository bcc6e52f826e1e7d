// zod schemas for what a Chat Completions upstream streams: loose objects, so unknown fields are kept, not rejected.
import { z } from 'zod';

// Only the fields the converter reads are typed; everything else passes through untouched. Fields are `nullish`
// because servers send `null` for "absent" (OpenAI: `usage: null`, OpenRouter: `reasoning: null`).

/**
 * One OpenRouter reasoning_details entry (`reasoning.text` / `reasoning.summary` / `reasoning.encrypted` / other).
 * Deliberately no declared fields: zod emits declared keys first, which would reorder the entry, and the
 * details are replayed to OpenRouter byte for byte. Their fields are read by narrowing instead.
 */
export const reasoningDetailSchema = z.looseObject({});

export const toolCallDeltaSchema = z.looseObject({
  // Some servers omit `index`; the converter then uses the position in the array.
  index: z.number().int().nonnegative().nullish(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z
    .looseObject({
      name: z.string().nullish(),
      arguments: z.string().nullish(),
    })
    .nullish(),
});

/** OpenRouter's web-plugin citation: nested under `url_citation`, unlike Responses' flat annotation. */
export const chatAnnotationSchema = z.looseObject({
  type: z.string(),
  url_citation: z
    .looseObject({
      url: z.string(),
      title: z.string().nullish(),
      start_index: z.number().nullish(),
      end_index: z.number().nullish(),
    })
    .nullish(),
});

export const chatDeltaSchema = z.looseObject({
  role: z.string().nullish(),
  content: z.string().nullish(),
  refusal: z.string().nullish(),
  reasoning: z.string().nullish(),
  reasoning_content: z.string().nullish(),
  reasoning_details: z.array(reasoningDetailSchema).nullish(),
  tool_calls: z.array(toolCallDeltaSchema).nullish(),
  annotations: z.array(chatAnnotationSchema).nullish(),
});

export const chatChoiceSchema = z.looseObject({
  index: z.number().nullish(),
  delta: chatDeltaSchema.nullish(),
  finish_reason: z.string().nullish(),
  logprobs: z
    .looseObject({
      content: z.array(z.looseObject({})).nullish(),
    })
    .nullish(),
});

export const chatUsageSchema = z.looseObject({
  prompt_tokens: z.number().nullish(),
  completion_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

/** OpenRouter's mid-stream error (HTTP 200, `code` is a number there). */
export const chatErrorSchema = z.looseObject({
  code: z.union([z.number(), z.string()]).nullish(),
  message: z.string().nullish(),
});

export const chatChunkSchema = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z.array(chatChoiceSchema).nullish(),
  usage: chatUsageSchema.nullish(),
  error: chatErrorSchema.nullish(),
});

export type ChatChunk = z.infer<typeof chatChunkSchema>;
export type ChatChoice = z.infer<typeof chatChoiceSchema>;
export type ChatDelta = z.infer<typeof chatDeltaSchema>;
export type ChatUsage = z.infer<typeof chatUsageSchema>;
export type ChatError = z.infer<typeof chatErrorSchema>;
export type ChatAnnotation = z.infer<typeof chatAnnotationSchema>;
