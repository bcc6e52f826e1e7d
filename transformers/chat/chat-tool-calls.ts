// The names a Chat model sees for Responses tools that Chat has no shape for (namespaced, custom, tool search), both ways.

/** What a Chat function name stands for, when it is not simply a function tool of that name. */
export interface ChatToolTarget {
  /** The tool's own name, as the client declared it (inside its namespace, if any). */
  name: string;
  namespace?: string;
  /**
   * `custom`: a freeform tool sent as a function with one string argument, `input`. `tool_search`: a
   * client-executed tool search sent as a function with its own parameters; its call is a `tool_search_call`.
   */
  kind: 'function' | 'custom' | 'tool_search';
}

/** Chat function name → the Responses tool it stands for; plain function tools are not listed. */
export type ChatToolCalls = ReadonlyMap<string, ChatToolTarget>;

/** The function a client-executed `tool_search` tool is sent as (Codex's tool is called that too). */
export const TOOL_SEARCH_NAME = 'tool_search';

/** The one string argument a custom tool's stand-in function takes. */
export const CUSTOM_INPUT_ARGUMENT = 'input';

/** The longest function name OpenAI-compatible Chat servers take (`^[a-zA-Z0-9_-]{1,64}$`). */
export const CHAT_NAME_MAX = 64;

/**
 * Chat has no namespaces: a namespaced tool is a function named `<namespace>__<name>` (names match
 * `^[a-zA-Z0-9_-]{1,64}$` on OpenAI-compatible servers, so no dot). Used for the tools and for earlier
 * calls in the input alike, so that both agree. A flattened name past 64 characters (an MCP server's long
 * namespace) would be refused upstream: it is cut to 55 and ends in `_` and 8 hex digits of a hash of the
 * whole, the same every time; the model's call is mapped back by that name (toolCalls) like any other.
 */
export function chatToolName(name: string, namespace: string | null | undefined): string {
  if (!namespace) return name;
  const flat = `${namespace}__${name}`;
  return flat.length <= CHAT_NAME_MAX ? flat : `${flat.slice(0, CHAT_NAME_MAX - 9)}_${fnv1a(flat)}`;
}

/** FNV-1a, 32 bits, as 8 hex digits: enough to tell apart the few long names of one request. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** A custom tool call's `input` → the arguments of its stand-in function. */
export function customInputArguments(input: string): string {
  return JSON.stringify({ [CUSTOM_INPUT_ARGUMENT]: input });
}

/**
 * The stand-in function's arguments → the custom call's `input`. A model that ignored the schema and
 * wrote the input bare (not JSON, or without `input`) still has its text passed on as the input.
 */
export function customInputFromArguments(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && CUSTOM_INPUT_ARGUMENT in parsed) {
      const input = (parsed as Record<string, unknown>)[CUSTOM_INPUT_ARGUMENT];
      if (typeof input === 'string') return input;
    }
  } catch {
    // Not JSON: the model wrote the input itself; it is the input.
  }
  return args;
}

/** The Chat names of the tools a `tool_search_output` loaded: what the model is told it can now call. */
export function loadedToolNames(tools: unknown[]): string[] {
  return tools.flatMap((tool) => {
    if (typeof tool !== 'object' || tool === null) return [];
    const { name, tools: inner } = tool as Record<string, unknown>;
    if (typeof name !== 'string') return [];
    if (!Array.isArray(inner)) return [name];
    return loadedToolNames(inner).map((innerName) => chatToolName(innerName, name));
  });
}
