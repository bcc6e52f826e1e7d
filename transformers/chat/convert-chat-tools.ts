// Responses `tools` → Chat function tools: functions as they are, namespaces flattened, custom tools and a client tool search as functions.
import { z } from 'zod';
import type { ConversionWarning, JsonObject } from '../responses-types.js';
import { CUSTOM_INPUT_ARGUMENT, TOOL_SEARCH_NAME, chatToolName, type ChatToolTarget } from './chat-tool-calls.js';
import { UnsupportedFeatureError } from './errors.js';

const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  name: z.string(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
const FUNCTION_TOOL_FIELDS = new Set(['type', 'name', 'description', 'parameters', 'strict']);
const customToolSchema = z.looseObject({
  type: z.literal('custom'),
  name: z.string(),
  description: z.string().nullish(),
  format: z.looseObject({ type: z.string(), syntax: z.string().nullish(), definition: z.string().nullish() }).nullish(),
});
const CUSTOM_TOOL_FIELDS = new Set(['type', 'name', 'description', 'format']);
const namespaceToolSchema = z.looseObject({
  type: z.literal('namespace'),
  name: z.string(),
  tools: z.array(z.unknown()),
});
// A namespace's description has no place in Chat: the flattened names carry the namespace instead.
const NAMESPACE_FIELDS = new Set(['type', 'name', 'description', 'tools']);
const toolSearchSchema = z.looseObject({
  type: z.literal('tool_search'),
  execution: z.literal('client'),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()),
});
const TOOL_SEARCH_FIELDS = new Set(['type', 'execution', 'description', 'parameters']);
const typedSchema = z.looseObject({ type: z.string() });

/** A Chat function tool with the names tool_choice may refer to it by. */
export interface NamedTool {
  /** The Chat function name (for a namespaced tool, `<namespace>__<name>`). */
  name: string;
  namespace?: string;
  chat: JsonObject;
}

export interface ConvertedTools {
  tools: NamedTool[];
  /** OpenRouter only: a live web_search tool, carried as the web plugin. */
  webSearch: boolean;
  /** Whether any hosted tool was dropped (a `required` choice may then have nothing left to call). */
  droppedHosted: boolean;
  calls: Map<string, ChatToolTarget>;
}

/** Tools a `tool_search_output` in the input loaded: callable from then on, so sent like the request's own. */
export interface LoadedTools {
  param: string;
  tools: unknown[];
}

/** What one conversion works on; `loaded` marks tools from a tool search, which may be loaded more than once. */
interface ToolContext {
  converted: ConvertedTools;
  openrouter: boolean;
  warnings: ConversionWarning[];
  loaded: boolean;
}

export function convertChatTools(
  value: unknown,
  loaded: LoadedTools[],
  openrouter: boolean,
  warnings: ConversionWarning[],
): ConvertedTools {
  const converted: ConvertedTools = { tools: [], webSearch: false, droppedHosted: false, calls: new Map() };
  if (Array.isArray(value)) {
    const context: ToolContext = { converted, openrouter, warnings, loaded: false };
    value.forEach((tool: unknown, i) => convertTool(context, tool, undefined, `tools[${i}]`));
  } else if (value !== undefined && value !== null) {
    warnings.push({ param: 'tools', message: 'tools is not a list; not sent.' });
  }
  const context: ToolContext = { converted, openrouter, warnings, loaded: true };
  for (const search of loaded) search.tools.forEach((tool, j) => convertTool(context, tool, undefined, `${search.param}.tools[${j}]`));
  return converted;
}

function convertTool(context: ToolContext, tool: unknown, namespace: string | undefined, param: string): void {
  const { converted, warnings } = context;
  const typed = typedSchema.safeParse(tool);
  if (!typed.success) throw new UnsupportedFeatureError(param, 'A tool must be an object with a string "type".');
  const type = typed.data.type;
  // A server-executed tool search (OpenAI's hosted one) is a hosted tool like any other.
  const search = type === 'tool_search' ? toolSearchSchema.safeParse(tool) : undefined;
  if (type === 'function' || type === 'custom') {
    const callable = readCallable(tool, type);
    if (callable === undefined) {
      warnings.push({ param, message: `A ${type} tool without a valid name/parameters; not sent.` });
      return;
    }
    if (addTool(context, { name: callable.tool.name, namespace, kind: type }, callable.chat, param)) {
      warnUnknownFields(context, callable.tool, callable.known, param);
    }
  } else if (type === 'namespace' && namespace === undefined) {
    const parsed = namespaceToolSchema.safeParse(tool);
    if (!parsed.success) {
      warnings.push({ param, message: 'Namespace tool without a valid name/tools; not sent.' });
      return;
    }
    parsed.data.tools.forEach((inner, j) => convertTool(context, inner, parsed.data.name, `${param}.tools[${j}]`));
    warnUnknownFields(context, parsed.data, NAMESPACE_FIELDS, param);
  } else if (search?.success) {
    // Run by the client (Codex searches its deferred tools itself): to the model, just another function.
    const fn: JsonObject = { name: TOOL_SEARCH_NAME, parameters: search.data.parameters };
    if (search.data.description) fn.description = search.data.description;
    if (addTool(context, { name: TOOL_SEARCH_NAME, kind: 'tool_search' }, fn, param)) {
      warnUnknownFields(context, search.data, TOOL_SEARCH_FIELDS, param);
    }
  } else if (isWebSearch(type) && context.openrouter && typed.data.external_web_access !== false) {
    converted.webSearch = true;
    warnUnknownFields(context, typed.data, new Set(['type', 'external_web_access']), param);
  } else {
    converted.droppedHosted = true;
    warnings.push({ param, message: hostedToolWarning(type, typed.data) });
  }
}

/** A function or custom tool as the client declared it, its Chat function, and the fields that function carries. */
function readCallable(
  tool: unknown,
  kind: 'function' | 'custom',
): { tool: JsonObject & { name: string }; chat: JsonObject; known: Set<string> } | undefined {
  if (kind === 'function') {
    const parsed = functionToolSchema.safeParse(tool);
    return parsed.success ? { tool: parsed.data, chat: chatFunction(parsed.data), known: FUNCTION_TOOL_FIELDS } : undefined;
  }
  const parsed = customToolSchema.safeParse(tool);
  return parsed.success ? { tool: parsed.data, chat: customFunction(parsed.data), known: CUSTOM_TOOL_FIELDS } : undefined;
}

/**
 * Adds one Chat function; false when not added. A name already taken (a flattened name equal to another
 * tool's) would make the model's call ambiguous, so the later tool is not sent; a tool a search loaded again
 * is simply there already.
 */
function addTool(context: ToolContext, target: ChatToolTarget, fn: JsonObject, param: string): boolean {
  const { converted } = context;
  const chatName = chatToolName(target.name, target.namespace);
  if (converted.tools.some((tool) => tool.name === chatName)) {
    if (!context.loaded) {
      context.warnings.push({ param, message: `A tool named "${chatName}" is already sent (namespaced tools are named <namespace>__<name>); not sent.` });
    }
    return false;
  }
  converted.tools.push({ name: chatName, namespace: target.namespace, chat: { type: 'function', function: { ...fn, name: chatName } } });
  if (target.kind !== 'function' || target.namespace !== undefined) converted.calls.set(chatName, target);
  return true;
}

function hostedToolWarning(type: string, tool: JsonObject): string {
  if (isWebSearch(type) && tool.external_web_access === false) {
    // Codex sends this meaning "cached results only"; a live search (OpenRouter's plugin) is not that.
    return `The "${type}" tool with external_web_access: false (cached results only) has no Chat equivalent; not sent.`;
  }
  return `The hosted "${type}" tool cannot run on a Chat Completions provider (function, custom and namespace tools can); not sent.`;
}

function chatFunction(tool: z.infer<typeof functionToolSchema>): JsonObject {
  const fn: JsonObject = { name: tool.name };
  if (tool.description !== undefined && tool.description !== null) fn.description = tool.description;
  if (tool.parameters !== undefined && tool.parameters !== null) fn.parameters = tool.parameters;
  if (tool.strict !== undefined && tool.strict !== null) fn.strict = tool.strict;
  return fn;
}

/** A freeform tool as a function of one string; a grammar it declares is told to the model in the description. */
function customFunction(tool: z.infer<typeof customToolSchema>): JsonObject {
  const notes = [tool.description ?? ''];
  if (tool.format?.type === 'grammar' && tool.format.definition) {
    notes.push(`The ${CUSTOM_INPUT_ARGUMENT} must follow this ${tool.format.syntax ?? ''} grammar:\n${tool.format.definition}`);
  }
  // Freeform tools' own descriptions may say "do not wrap the input in JSON"; here the call must, so say how.
  notes.push(`Call this tool with its whole input as the string argument "${CUSTOM_INPUT_ARGUMENT}".`);
  return {
    name: tool.name,
    description: notes.filter((note) => note !== '').join('\n\n'),
    parameters: {
      type: 'object',
      properties: { [CUSTOM_INPUT_ARGUMENT]: { type: 'string', description: 'The raw input to the tool, as free text.' } },
      required: [CUSTOM_INPUT_ARGUMENT],
      additionalProperties: false,
    },
  };
}

/** `web_search`, `web_search_preview` and their dated variants (`web_search_preview_2025_03_11`). */
export function isWebSearch(type: unknown): boolean {
  return typeof type === 'string' && type.startsWith('web_search');
}

/** A loaded tool's `defer_loading` is spent (the search loaded it), so it is not worth a warning. */
function warnUnknownFields(context: ToolContext, tool: JsonObject, known: Set<string>, param: string): void {
  for (const [key, value] of Object.entries(tool)) {
    if (known.has(key) || value === undefined || value === null || (context.loaded && key === 'defer_loading')) continue;
    context.warnings.push({ param: `${param}.${key}`, message: `Tool field "${key}" has no Chat equivalent; not sent.` });
  }
}
