// Responses request body → Chat Completions request body (OpenRouter, vLLM, Ollama, llama.cpp), with warnings.
import { z } from 'zod';
import type { ConversionWarning, JsonObject } from '../responses-types.js';
import type { ChatToolCalls } from './chat-tool-calls.js';
import type { LoadedTools } from './convert-chat-tools.js';
import { convertInputToMessages } from './convert-input-to-messages.js';
import { prepareChatTools } from './prepare-chat-tools.js';

export interface ChatRequestOptions {
  /** Replaces the client's `model` (the route resolved it). */
  upstreamModel: string;
  quirks?: 'openrouter';
}

// Read by the gateway itself (state, streaming, stored output, chains, conversations, background runs); not
// sending them loses nothing, so no warning.
const HANDLED_BY_GATEWAY = ['model', 'input', 'stream', 'store', 'include', 'previous_response_id', 'conversation', 'background'];
// Sampling fields with the same name and meaning in Chat. `stop`, `seed` and the penalties are not Responses
// fields, but clients of Chat providers send them and every Chat server reads them.
const SAME_IN_CHAT = ['temperature', 'top_p', 'stop', 'seed', 'frequency_penalty', 'presence_penalty'];
const MAPPED = new Set([
  ...HANDLED_BY_GATEWAY,
  ...SAME_IN_CHAT,
  'instructions',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'max_output_tokens',
  'top_logprobs',
  'metadata',
  'user',
  'safety_identifier',
]);

const textSchema = z.looseObject({
  format: z.looseObject({ type: z.string() }).nullish(),
  verbosity: z.string().nullish(),
});
const jsonSchemaFormatSchema = z.looseObject({
  name: z.string(),
  schema: z.record(z.string(), z.unknown()),
  description: z.string().nullish(),
  strict: z.boolean().nullish(),
});
const reasoningSchema = z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() });

export interface ChatRequest {
  body: JsonObject;
  warnings: ConversionWarning[];
  /** For the stream converter: the model's calls of namespaced and custom tools, mapped back. */
  toolCalls: ChatToolCalls;
}

export function toChatRequest(request: JsonObject, options: ChatRequestOptions): ChatRequest {
  const warnings: ConversionWarning[] = [];
  const openrouter = options.quirks === 'openrouter';
  const messages = convertInputToMessages(request.instructions, request.input, { keepReasoningDetails: openrouter }, warnings);
  const tools = prepareChatTools(request, { openrouter, loaded: loadedTools(request.input) }, warnings);
  const body: JsonObject = {
    model: options.upstreamModel,
    messages,
    ...tools.fields,
    ...mapText(request.text, openrouter, warnings),
    ...mapReasoning(request.reasoning, openrouter, warnings),
  };

  if (typeof request.max_output_tokens === 'number') {
    // OpenRouter: the OpenAI name, which counts reasoning tokens like max_output_tokens does, and which
    // fixtures/openrouter/chat-length-midstream-error shows enforced. vLLM, Ollama, llama.cpp read max_tokens.
    body[openrouter ? 'max_completion_tokens' : 'max_tokens'] = request.max_output_tokens;
  }
  for (const key of SAME_IN_CHAT) {
    if (request[key] !== undefined && request[key] !== null) body[key] = request[key];
  }
  if (typeof request.top_logprobs === 'number') {
    body.logprobs = true;
    body.top_logprobs = request.top_logprobs;
  }
  Object.assign(body, mapUser(request, warnings));
  if (isSet(request.metadata)) {
    if (openrouter) body.metadata = request.metadata;
    else warnings.push({ param: 'metadata', message: 'OpenAI-compatible servers do not take metadata; not sent.' });
  }

  for (const [key, value] of Object.entries(request)) {
    if (MAPPED.has(key) || !isSet(value)) continue;
    warnings.push({ param: key, message: `${key} has no Chat Completions equivalent; not sent.` });
  }

  // Always streamed, with usage: the gateway builds every answer, streamed or not, from the stream.
  body.stream = true;
  body.stream_options = { include_usage: true };
  return { body, warnings, toolCalls: tools.calls };
}

/** What earlier client-side tool searches loaded (Codex): the Responses API offers those tools from then on. */
function loadedTools(input: unknown): LoadedTools[] {
  if (!Array.isArray(input)) return [];
  const loaded: LoadedTools[] = [];
  input.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) return;
    const { type, tools } = item as JsonObject;
    if (type === 'tool_search_output' && Array.isArray(tools)) loaded.push({ param: `input[${i}]`, tools });
  });
  return loaded;
}

function mapText(text: unknown, openrouter: boolean, warnings: ConversionWarning[]): JsonObject {
  if (!isSet(text)) return {};
  const parsed = textSchema.safeParse(text);
  if (!parsed.success) {
    warnings.push({ param: 'text', message: 'text is not a valid text configuration; not sent.' });
    return {};
  }
  const fields: JsonObject = {};
  const { format, verbosity, ...rest } = parsed.data;
  if (format?.type === 'json_schema') {
    // Responses puts name/schema/strict directly in `format`; Chat nests them under `json_schema`.
    const schema = jsonSchemaFormatSchema.safeParse(format);
    if (schema.success) {
      const { name, schema: jsonSchema, description, strict } = schema.data;
      const jsonSchemaFormat: JsonObject = { name, schema: jsonSchema };
      if (isSet(strict)) jsonSchemaFormat.strict = strict;
      if (isSet(description)) jsonSchemaFormat.description = description;
      fields.response_format = { type: 'json_schema', json_schema: jsonSchemaFormat };
    } else {
      warnings.push({ param: 'text.format', message: 'json_schema format without a name and schema; not sent.' });
    }
  } else if (format?.type === 'json_object') {
    fields.response_format = { type: 'json_object' };
  } else if (format && format.type !== 'text') {
    warnings.push({ param: 'text.format', message: `Text format "${format.type}" has no Chat equivalent; not sent.` });
  }
  if (isSet(verbosity)) {
    // OpenRouter documents `verbosity`; generic servers do not know it.
    if (openrouter) fields.verbosity = verbosity;
    else warnings.push({ param: 'text.verbosity', message: 'OpenAI-compatible servers do not take verbosity; not sent.' });
  }
  warnUnmapped(rest, 'text', warnings);
  return fields;
}

function mapReasoning(reasoning: unknown, openrouter: boolean, warnings: ConversionWarning[]): JsonObject {
  if (!isSet(reasoning)) return {};
  const parsed = reasoningSchema.safeParse(reasoning);
  if (!parsed.success) {
    warnings.push({ param: 'reasoning', message: 'reasoning is not a valid reasoning configuration; not sent.' });
    return {};
  }
  const { effort, summary, ...rest } = parsed.data;
  warnUnmapped(rest, 'reasoning', warnings);
  if (openrouter) {
    // OpenRouter returns the reasoning text by default once reasoning is on; asking for a summary turns it on.
    if (isSet(effort)) return { reasoning: { effort } };
    return isSet(summary) ? { reasoning: { enabled: true } } : {};
  }
  if (isSet(summary)) {
    warnings.push({
      param: 'reasoning.summary',
      message: 'OpenAI-compatible servers choose their own reasoning output; any reasoning text they return is streamed. Not sent.',
    });
  }
  // vLLM, SGLang and OpenAI-compatible servers read `reasoning_effort`.
  return isSet(effort) ? { reasoning_effort: effort } : {};
}

/** `safety_identifier` is the newer name for what Chat calls `user`; it wins when both are given. */
function mapUser(request: JsonObject, warnings: ConversionWarning[]): JsonObject {
  const { safety_identifier: safety, user } = request;
  if (typeof safety === 'string' && typeof user === 'string' && safety !== user) {
    warnings.push({ param: 'user', message: 'safety_identifier is sent as the Chat `user`; user is not sent.' });
  }
  if (typeof safety === 'string') return { user: safety };
  return typeof user === 'string' ? { user } : {};
}

function warnUnmapped(rest: JsonObject, parent: string, warnings: ConversionWarning[]): void {
  for (const [key, value] of Object.entries(rest)) {
    if (isSet(value)) warnings.push({ param: `${parent}.${key}`, message: `${parent}.${key} has no Chat equivalent; not sent.` });
  }
}

/** Null and absent both mean "not asked for": nothing to send, nothing to warn about. */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}
