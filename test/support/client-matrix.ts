// The provider kinds of the client matrix (native OpenAI, xAI, OpenRouter and a plain OpenAI-compatible Chat server) and what each one's upstream gets.
import { readMakerTag } from '../../transformers/maker-tag.js';
import type { JsonObject } from '../../transformers/responses-types.js';
import { expect } from 'vitest';
import { fixtureReply, type MockUpstream, type ReceivedRequest } from './mock-upstream.js';

export type ProviderKind = 'openai' | 'xai' | 'openrouter' | 'local';

export interface KindSetup {
  kind: ProviderKind;
  /** The gateway model name routed to this kind's provider. */
  model: string;
  /** Where the gateway calls this kind upstream. */
  path: '/v1/responses' | '/v1/chat/completions';
  /** A recorded plain answer. */
  text: string;
  /** A turn that reasons; `endsWithCall`: it ends in a function call, which the client answers before going on. */
  reasoning: { fixture: string; endsWithCall: boolean };
  /** A turn that calls a function tool (named `tool`), to be answered with the tool's output. */
  toolCall: { fixture: string; tool: string };
  /** Its reasoning carries encrypted content that a `store: false` client replays by value to the same provider. */
  encrypts: boolean;
}

export const KINDS: readonly KindSetup[] = [
  {
    kind: 'openai',
    model: 'gpt-5-mini',
    path: '/v1/responses',
    text: 'openai/function-call-loop-final-text.sse',
    reasoning: { fixture: 'openai/reasoning-summary-function-call.sse', endsWithCall: true },
    toolCall: { fixture: 'openai/reasoning-summary-function-call.sse', tool: 'calculator' },
    encrypts: true,
  },
  {
    kind: 'xai',
    model: 'grok-code-fast-1',
    path: '/v1/responses',
    text: 'xai/reasoning-summary-text.sse',
    reasoning: { fixture: 'xai/reasoning-summary-text.sse', endsWithCall: false },
    toolCall: { fixture: 'xai/function-call-synthetic.sse', tool: 'calculator' },
    encrypts: false,
  },
  {
    kind: 'openrouter',
    model: 'or-claude',
    path: '/v1/chat/completions',
    text: 'openrouter/chat-text.sse',
    reasoning: { fixture: 'openrouter/chat-reasoning-anthropic.sse', endsWithCall: false },
    toolCall: { fixture: 'openrouter/chat-tool-call.sse', tool: 'llm_version' },
    encrypts: true,
  },
  {
    kind: 'local',
    model: 'local-model',
    path: '/v1/chat/completions',
    text: 'openrouter/chat-text.sse',
    reasoning: { fixture: 'openrouter/chat-reasoning-anthropic.sse', endsWithCall: false },
    toolCall: { fixture: 'openai/chat-tool-calls.sse', tool: 'get_capital' },
    encrypts: false,
  },
];

/** The kinds whose reasoning a `store: false` client can replay (xAI's recorded reasoning and a plain server's carry no blob). */
export const ENCRYPTING = KINDS.filter((kind) => kind.encrypts);

/** The key of stored turns. */
export const STORED_KEY = 'sk-test-alice';
/**
 * The key of every `store: false` turn: the recordings repeat their item ids, and a turn stored under the
 * same key would tell the gateway who made an item, which a real `store: false` client never does.
 */
export const UNSTORED_KEY = 'sk-test-bob';

/** Gateway config overrides: one model per kind, on the test config's providers. */
export const MATRIX_CONFIG = {
  models: {
    'gpt-5-mini': { provider: 'openai', model: 'gpt-5-mini' },
    'grok-code-fast-1': { provider: 'xai', model: 'grok-code-fast-1', reasoning: true },
    'or-claude': { provider: 'openrouter', model: 'anthropic/claude-sonnet-4.5' },
    'local-model': { provider: 'local', model: 'served-model' },
  },
};

/** Every ordered pair of different kinds (turn 1 on the first, turn 2 on the second), stored or not, streamed or not. */
export const SWITCHES = KINDS.flatMap((from) =>
  KINDS.filter((to) => to !== from).flatMap((to) => [true, false].flatMap((store) => [false, true].map((stream) => ({ from, to, store, stream })))),
);

/** Every tool name the recorded calls use, so one tool list serves each kind. */
export const TOOL_NAMES = [...new Set(KINDS.map((kind) => kind.toolCall.tool))];
export const TOOL_DESCRIPTION = 'A tool the recorded turns call.';
/** Accepts whatever arguments the recorded calls carry. */
export const TOOL_PARAMETERS = { type: 'object', properties: {}, additionalProperties: true } as const;
/** What every tool answers, so a test can find it upstream. */
export const TOOL_OUTPUT = 'tool-output-19';

/** Queues recorded replies for `kind`'s upstream path, in order. */
export function queue(upstream: MockUpstream, kind: KindSetup, ...fixtures: string[]): void {
  upstream.reply(kind.path, ...fixtures.map((fixture) => fixtureReply(fixture)));
}

/** Every piece of reasoning a request carried upstream: reasoning or encrypted items (Responses), reasoning fields of messages (Chat). */
export function reasoningSent(request: ReceivedRequest): JsonObject[] {
  if (request.path === '/v1/chat/completions') {
    const messages = (request.json.messages ?? []) as JsonObject[];
    return messages.filter((m) => m.reasoning_details !== undefined || m.reasoning !== undefined || m.reasoning_content !== undefined);
  }
  const input = Array.isArray(request.json.input) ? (request.json.input as JsonObject[]) : [];
  return input.filter((item) => item.type === 'reasoning' || item.encrypted_content !== undefined);
}

/** The strings that identify reasoning a client got back (ids, encrypted content), none of which may reach another provider. */
export function reasoningMarkers(items: JsonObject[]): string[] {
  return items.filter((item) => item.type === 'reasoning').flatMap((item) => [item.id, item.encrypted_content].filter((v): v is string => typeof v === 'string'));
}

/** The function call outputs a request carried upstream (Responses items or Chat `tool` messages), as text. */
export function toolOutputsSent(request: ReceivedRequest): string[] {
  if (request.path === '/v1/chat/completions') {
    return ((request.json.messages ?? []) as JsonObject[]).filter((m) => m.role === 'tool').map((m) => String(m.content));
  }
  const input = Array.isArray(request.json.input) ? (request.json.input as JsonObject[]) : [];
  return input.filter((item) => item.type === 'function_call_output').map((item) => (typeof item.output === 'string' ? item.output : JSON.stringify(item.output)));
}

/** The assistant text a request carried upstream as history (Responses message items or Chat assistant messages). */
export function assistantTextSent(request: ReceivedRequest): string {
  if (request.path === '/v1/chat/completions') {
    return ((request.json.messages ?? []) as JsonObject[]).filter((m) => m.role === 'assistant' && typeof m.content === 'string').map((m) => m.content).join('');
  }
  const input = Array.isArray(request.json.input) ? (request.json.input as JsonObject[]) : [];
  const parts = input.filter((item) => item.role === 'assistant' && Array.isArray(item.content)).flatMap((item) => item.content as JsonObject[]);
  return parts.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
}

/** The upstream requests made since `start`, checked to have gone to these kinds in this order, xAI's as its quirks want. */
export function sentSince(upstream: MockUpstream, start: number, ...kinds: KindSetup[]): ReceivedRequest[] {
  const sent = upstream.received.slice(start);
  const models = MATRIX_CONFIG.models as Record<string, { model: string }>;
  expect(sent.map((r) => [r.path, r.json.model])).toEqual(kinds.map((k) => [k.path, models[k.model]!.model]));
  // xAI's quirk: it rejects or ignores the summary option, so it never gets one.
  sent.forEach((request, i) => kinds[i]!.kind === 'xai' && expect((request.json.reasoning as JsonObject | undefined)?.summary).toBeUndefined());
  return sent;
}

/** A provider's first request of a conversation carries no reasoning at all, and nothing that names another's (`markers`). */
export function expectNoForeignReasoning(request: ReceivedRequest, markers: string[]): void {
  expect(reasoningSent(request)).toEqual([]);
  for (const marker of markers) expect(request.body).not.toContain(marker);
}

/**
 * A `store: false` turn's reasoning reached its maker again: one item (an assistant message's details, on
 * Chat), with the blob as the maker made it. The client's copy names the maker (transformers/maker-tag.ts).
 */
export function expectOwnReasoningSent(request: ReceivedRequest, kind: KindSetup, clientBlob: unknown): void {
  const sent = reasoningSent(request);
  expect(sent).toHaveLength(1);
  if (kind.path === '/v1/responses') expect(readMakerTag(String(clientBlob))).toEqual({ provider: kind.kind, encrypted: sent[0]!.encrypted_content });
}
