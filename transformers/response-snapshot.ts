// Builds the Response object the gateway shows: the request's echo, what upstream said, and the gateway's own fields.
import { normalizeEchoedTools } from './normalize-echoed-tools.js';
import type { JsonObject, ResponseItem, ResponseObject, ResponseStatus, ResponseUsage } from './responses-types.js';
import { withLogprobs, type StreamFailure } from './stream-event-shapes.js';

/** Fields the gateway owns whatever upstream says (its id, the client's chain, the client's store flag). */
export interface SnapshotOverrides extends JsonObject {
  id: string;
  previous_response_id: string | null;
  store: boolean;
  background: boolean;
}

const REQUEST_ECHO_FIELDS = [
  'instructions',
  'max_output_tokens',
  'max_tool_calls',
  'metadata',
  'parallel_tool_calls',
  'prompt_cache_key',
  'reasoning',
  'safety_identifier',
  'service_tier',
  'temperature',
  'text',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'truncation',
  'user',
] as const;

/**
 * The skeleton of a response before upstream said anything: OpenAI's defaults, overlaid with what the
 * client asked for. Upstream snapshots are laid over it, so a thin echo (xAI's) still yields every field.
 */
export function responseSkeleton(request: JsonObject, init: { createdAt: number; model: string; overrides: SnapshotOverrides }): ResponseObject {
  const skeleton: ResponseObject = {
    id: init.overrides.id,
    object: 'response',
    created_at: init.createdAt,
    status: 'in_progress',
    background: false,
    completed_at: null,
    error: null,
    frequency_penalty: 0,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    max_tool_calls: null,
    model: init.model,
    output: [],
    parallel_tool_calls: true,
    presence_penalty: 0,
    previous_response_id: null,
    prompt_cache_key: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: 'auto',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_logprobs: 0,
    top_p: 1,
    truncation: 'disabled',
    // OpenAI's streams say `usage: null` until the end; the Open Responses spec requires the key.
    usage: null,
    metadata: {},
  };
  for (const field of REQUEST_ECHO_FIELDS) {
    const value = request[field];
    if (value !== undefined && value !== null) skeleton[field] = value;
  }
  skeleton.tools = normalizeEchoedTools(skeleton.tools) as JsonObject[];
  skeleton.reasoning = withSummary(skeleton.reasoning);
  return Object.assign(skeleton, init.overrides);
}

/** Lays an upstream snapshot (full or partial) over the current object; output and the gateway's fields stay ours. */
export function mergeSnapshot(
  current: ResponseObject,
  upstream: JsonObject | undefined,
  overrides: SnapshotOverrides,
  output: ResponseItem[],
): ResponseObject {
  const merged = { ...current } as ResponseObject;
  if (upstream) {
    for (const key in upstream) {
      const value = upstream[key];
      // The gateway owns ids, output and state references; upstream's echo of them says nothing about ours.
      if (key === 'id' || key === 'output' || key === 'conversation' || value === undefined) continue;
      if (value === null) {
        // OpenAI echoes `user: null`, which its own spec types as a non-nullable (and optional) string: absent
        // says the same thing and conforms. Skipped rather than deleted after: a deleted key turns the object
        // into a slow dictionary for every later read and JSON.stringify.
        if (key === 'user') {
          if (key in merged) delete merged[key];
          continue;
        }
        // An upstream's null never hides what the gateway knows: xAI and OpenRouter echo `temperature`,
        // `top_p` (and `truncation`) as null although they ran with the request's values or their defaults.
        if (merged[key] !== null && merged[key] !== undefined) continue;
      }
      if (key === 'tools') merged.tools = normalizeEchoedTools(value);
      else if (key === 'reasoning') merged.reasoning = withSummary(value);
      else merged[key] = value;
    }
  }
  Object.assign(merged, overrides);
  merged.output = output;
  merged.object = 'response';
  if (merged.usage) merged.usage = normalizeUsage(merged.usage);
  return merged;
}

/** OpenAI's older streams echo `reasoning` as `{effort, generate_summary}`; today's (and Open Responses) have `summary`. */
function withSummary(reasoning: unknown): unknown {
  if (typeof reasoning !== 'object' || reasoning === null || 'summary' in reasoning) return reasoning;
  const { generate_summary: legacy } = reasoning as JsonObject;
  return { ...reasoning, summary: typeof legacy === 'string' ? legacy : null };
}

/** Sets what a final status implies: completed_at only when completed, usage details always present. */
export function finalizeSnapshot(response: ResponseObject, status: ResponseStatus, now: number): ResponseObject {
  response.status = status;
  response.completed_at = status === 'completed' ? (typeof response.completed_at === 'number' ? response.completed_at : now) : null;
  if (status !== 'failed') response.error = null;
  if (status !== 'incomplete') response.incomplete_details = null;
  return response;
}

/**
 * The final form of a response, however it was obtained: its status and what the status implies, every
 * output_text part with `logprobs`, and a failed response's error (the failure that ended it, if known).
 */
export function settleResponse(response: ResponseObject, status: ResponseStatus, now: number, failure?: StreamFailure): ResponseObject {
  finalizeSnapshot(response, status, now);
  for (const item of response.output) if (item.type === 'message' && Array.isArray(item.content)) for (const part of item.content as JsonObject[]) withLogprobs(part);
  if (status === 'failed' && !response.error) {
    response.error = failure ? { code: failure.code, message: failure.message } : { code: 'server_error', message: 'The response failed upstream.' };
  }
  return response;
}

/** A response an upstream answered in one JSON body (a non-streaming call), laid over the gateway's skeleton. */
export function completedSnapshot(skeleton: ResponseObject, upstream: JsonObject, overrides: SnapshotOverrides, now: number): ResponseObject {
  const output = Array.isArray(upstream.output) ? (upstream.output as ResponseItem[]) : [];
  const status: ResponseStatus = upstream.status === 'failed' || upstream.status === 'incomplete' ? upstream.status : 'completed';
  return settleResponse(mergeSnapshot(skeleton, upstream, overrides, output), status, now);
}

/** Fills the detail objects that some upstreams omit, so every client can read them. */
export function normalizeUsage(usage: JsonObject): ResponseUsage {
  const input = (usage.input_tokens_details ?? {}) as JsonObject;
  const output = (usage.output_tokens_details ?? {}) as JsonObject;
  const inputTokens = numberOr(usage.input_tokens, 0);
  const outputTokens = numberOr(usage.output_tokens, 0);
  return {
    ...usage,
    input_tokens: inputTokens,
    input_tokens_details: { ...input, cached_tokens: numberOr(input.cached_tokens, 0), cache_write_tokens: numberOr(input.cache_write_tokens, 0) },
    output_tokens: outputTokens,
    output_tokens_details: { ...output, reasoning_tokens: numberOr(output.reasoning_tokens, 0) },
    total_tokens: numberOr(usage.total_tokens, inputTokens + outputTokens),
  };
}

const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
