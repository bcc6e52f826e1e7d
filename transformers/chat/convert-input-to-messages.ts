// Responses `instructions` + `input` (items, earlier turns included) → the Chat Completions `messages` list.
import { z } from 'zod';
import type { ConversionWarning, JsonObject } from '../responses-types.js';
import { TOOL_SEARCH_NAME, chatToolName, customInputArguments, loadedToolNames } from './chat-tool-calls.js';
import { convertTextContent, convertUserContent } from './convert-content-parts.js';
import { decodeReasoningDetails } from './reasoning-details-codec.js';

const messageItemSchema = z.looseObject({
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.unknown(),
  phase: z.string().nullish(),
});
const functionCallSchema = z.looseObject({
  call_id: z.string(),
  name: z.string(),
  namespace: z.string().nullish(),
  arguments: z.string(),
});
const customToolCallSchema = z.looseObject({
  call_id: z.string(),
  name: z.string(),
  namespace: z.string().nullish(),
  input: z.string(),
});
// Only a client-executed search has a call_id the tool message can answer; a hosted one (call_id null) cannot be sent.
const toolSearchCallSchema = z.looseObject({ call_id: z.string(), arguments: z.unknown() });
const toolSearchOutputSchema = z.looseObject({ call_id: z.string(), tools: z.array(z.unknown()) });
const functionCallOutputSchema = z.looseObject({ call_id: z.string(), output: z.unknown() });
const reasoningSchema = z.looseObject({ encrypted_content: z.string().nullish() });

interface AssistantMessage extends JsonObject {
  role: 'assistant';
  content: string | null;
  tool_calls?: JsonObject[];
  reasoning_details?: JsonObject[];
}

/**
 * One assistant turn in Chat is one message: its text, all its (parallel) tool calls, and, for OpenRouter,
 * the reasoning_details that produced them. `assistant` is that message while the turn lasts; the next
 * user, system or tool message ends the turn.
 */
interface MessagesState {
  messages: JsonObject[];
  assistant: AssistantMessage | undefined;
  /** Details from reasoning items not yet attached, with the input paths they came from (for warnings). */
  pendingReasoning: { details: JsonObject[]; params: string[] };
}

export interface InputToMessagesOptions {
  /** OpenRouter takes earlier turns' reasoning back as `reasoning_details`; other servers take none. */
  keepReasoningDetails: boolean;
}

export function convertInputToMessages(
  instructions: unknown,
  input: unknown,
  options: InputToMessagesOptions,
  warnings: ConversionWarning[],
): JsonObject[] {
  const state: MessagesState = { messages: [], assistant: undefined, pendingReasoning: { details: [], params: [] } };
  // `system` rather than `developer`: every OpenAI-compatible server knows it, few know `developer`.
  if (typeof instructions === 'string' && instructions !== '') {
    state.messages.push({ role: 'system', content: instructions });
  } else if (instructions !== undefined && instructions !== null && instructions !== '') {
    warnings.push({ param: 'instructions', message: 'instructions that are not a string cannot be sent; dropped.' });
  }

  if (typeof input === 'string') {
    state.messages.push({ role: 'user', content: input });
  } else if (Array.isArray(input)) {
    input.forEach((item, i) => convertItem(state, item, `input[${i}]`, options, warnings));
  } else if (input !== undefined && input !== null) {
    warnings.push({ param: 'input', message: 'input is neither a string nor a list of items; not sent.' });
  }
  endTurn(state, warnings);
  return state.messages;
}

function convertItem(
  state: MessagesState,
  item: unknown,
  param: string,
  options: InputToMessagesOptions,
  warnings: ConversionWarning[],
): void {
  const type = itemType(item);
  switch (type) {
    case 'message': {
      const message = messageItemSchema.safeParse(item);
      if (!message.success) return invalidItem(param, type, warnings);
      if (message.data.phase) {
        warnings.push({ param: `${param}.phase`, message: 'Message phase has no Chat equivalent; not sent.' });
      }
      const { role, content } = message.data;
      if (role === 'assistant') {
        startAssistant(state, convertTextContent(content, `${param}.content`, warnings));
        return;
      }
      endTurn(state, warnings);
      if (role === 'user') state.messages.push({ role, content: convertUserContent(content, `${param}.content`, warnings) });
      else state.messages.push({ role: 'system', content: convertTextContent(content, `${param}.content`, warnings) });
      return;
    }
    case 'function_call': {
      const call = functionCallSchema.safeParse(item);
      if (!call.success) return invalidItem(param, type, warnings);
      const { call_id: callId, name, namespace, arguments: args } = call.data;
      return addToolCall(state, callId, chatToolName(name, namespace), args);
    }
    case 'custom_tool_call': {
      // Sent to Chat as a call of the custom tool's stand-in function (see convert-chat-tools).
      const call = customToolCallSchema.safeParse(item);
      if (!call.success) return invalidItem(param, type, warnings);
      const { call_id: callId, name, namespace, input } = call.data;
      return addToolCall(state, callId, chatToolName(name, namespace), customInputArguments(input));
    }
    case 'tool_search_call': {
      const call = toolSearchCallSchema.safeParse(item);
      if (!call.success) return invalidItem(param, type, warnings);
      return addToolCall(state, call.data.call_id, TOOL_SEARCH_NAME, JSON.stringify(call.data.arguments ?? {}));
    }
    case 'tool_search_output': {
      // The loaded tools themselves join the request's tools (toChatRequest); the model is told their names.
      const output = toolSearchOutputSchema.safeParse(item);
      if (!output.success) return invalidItem(param, type, warnings);
      endTurn(state, warnings);
      const content = `Tools loaded: ${loadedToolNames(output.data.tools).join(', ') || 'none'}.`;
      state.messages.push({ role: 'tool', tool_call_id: output.data.call_id, content });
      return;
    }
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const output = functionCallOutputSchema.safeParse(item);
      if (!output.success) return invalidItem(param, type, warnings);
      endTurn(state, warnings);
      const content = convertTextContent(output.data.output, `${param}.output`, warnings);
      state.messages.push({ role: 'tool', tool_call_id: output.data.call_id, content });
      return;
    }
    case 'reasoning': {
      const reasoning = reasoningSchema.safeParse(item);
      if (!reasoning.success) return invalidItem(param, type, warnings);
      if (!options.keepReasoningDetails) {
        warnings.push({ param, message: 'Reasoning items from earlier turns cannot be sent to this provider; not sent.' });
        return;
      }
      const encrypted = reasoning.data.encrypted_content;
      const details = encrypted ? decodeReasoningDetails(encrypted) : undefined;
      if (details === undefined) {
        warnings.push({
          param,
          message: 'Reasoning item carries no OpenRouter reasoning_details (no encrypted_content, or one from another provider); not sent.',
        });
        return;
      }
      state.pendingReasoning.details.push(...details);
      state.pendingReasoning.params.push(param);
      return;
    }
    default:
      warnings.push({
        param,
        message: `Input item of type "${type}" cannot be sent to a Chat Completions provider; not sent.`,
      });
  }
}

/** Consecutive calls (parallel calls) and the text just before them share one assistant message. */
function addToolCall(state: MessagesState, callId: string, name: string, args: string): void {
  const toolCall = { id: callId, type: 'function', function: { name, arguments: args } };
  const assistant = state.assistant ?? startAssistant(state, null);
  assistant.tool_calls = [...(assistant.tool_calls ?? []), toolCall];
  attachPendingReasoning(state, assistant);
}

/** A new assistant message; reasoning still pending goes with it, since reasoning precedes what it produced. */
function startAssistant(state: MessagesState, content: string | null): AssistantMessage {
  const assistant: AssistantMessage = { role: 'assistant', content };
  state.messages.push(assistant);
  state.assistant = assistant;
  attachPendingReasoning(state, assistant);
  return assistant;
}

function attachPendingReasoning(state: MessagesState, assistant: AssistantMessage): void {
  if (state.pendingReasoning.details.length === 0) return;
  assistant.reasoning_details = [...(assistant.reasoning_details ?? []), ...state.pendingReasoning.details];
  state.pendingReasoning = { details: [], params: [] };
}

/**
 * Reasoning normally precedes the message it produced; one left over at the end of a turn (details that
 * arrived after the text) belongs to the turn's assistant message. With none in the turn it cannot be sent.
 */
function endTurn(state: MessagesState, warnings: ConversionWarning[]): void {
  if (state.assistant !== undefined) attachPendingReasoning(state, state.assistant);
  for (const param of state.pendingReasoning.params) {
    warnings.push({ param, message: 'Reasoning item with no assistant message in its turn; not sent.' });
  }
  state.pendingReasoning = { details: [], params: [] };
  state.assistant = undefined;
}

/** An item's type; an EasyInputMessage (`{role, content}`) has none and is a message. */
function itemType(item: unknown): string {
  if (typeof item !== 'object' || item === null) return typeof item;
  if ('type' in item && typeof item.type === 'string') return item.type;
  return 'role' in item ? 'message' : 'unknown';
}

function invalidItem(param: string, type: string, warnings: ConversionWarning[]): void {
  warnings.push({ param, message: `Input item of type "${type}" is missing required fields; not sent.` });
}
