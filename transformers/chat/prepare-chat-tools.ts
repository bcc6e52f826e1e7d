// Responses `tools`, `tool_choice`, `parallel_tool_calls` → their Chat Completions forms (OpenRouter: web plugin).
import { z } from 'zod';
import type { ConversionWarning, JsonObject } from '../responses-types.js';
import { UnsupportedFeatureError } from './errors.js';

const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  name: z.string(),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
const FUNCTION_TOOL_FIELDS = new Set(['type', 'name', 'description', 'parameters', 'strict']);
const typedSchema = z.looseObject({ type: z.string() });

export interface ChatToolFields {
  tools?: JsonObject[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  /** OpenRouter only: `[{id: "web"}]` stands in for Responses' hosted web search. */
  plugins?: JsonObject[];
}

/** A Chat function tool with its name at hand, for allowed_tools filtering. */
interface NamedTool {
  name: string;
  chat: JsonObject;
}

export interface PrepareToolsOptions {
  openrouter: boolean;
}

/** Throws UnsupportedFeatureError for a hosted tool (or a choice of one) that the provider cannot run. */
export function prepareChatTools(
  request: JsonObject,
  options: PrepareToolsOptions,
  warnings: ConversionWarning[],
): ChatToolFields {
  let { tools, webSearch } = convertTools(request.tools, options, warnings);
  let toolChoice: unknown;

  const choice = request.tool_choice;
  if (typeof choice === 'string') {
    if (choice === 'none' || choice === 'auto' || choice === 'required') toolChoice = choice;
    else warnings.push({ param: 'tool_choice', message: `tool_choice "${choice}" is not known; not sent.` });
  } else if (choice !== undefined && choice !== null) {
    const typed = typedSchema.safeParse(choice);
    const type = typed.success ? typed.data.type : undefined;
    if (type === 'function' && typed.success && typeof typed.data.name === 'string') {
      toolChoice = { type: 'function', function: { name: typed.data.name } };
    } else if (type === 'allowed_tools' && typed.success) {
      // Chat cannot restrict the model to a subset of the tools it sees, so it only sees the allowed ones.
      const allowed = z.array(typedSchema).catch([]).parse(typed.data.tools);
      const names = new Set(allowed.flatMap((tool) => (typeof tool.name === 'string' ? [tool.name] : [])));
      tools = tools.filter((tool) => names.has(tool.name));
      webSearch = webSearch && allowed.some((tool) => isWebSearch(tool.type));
      toolChoice = typed.data.mode === 'required' ? 'required' : 'auto';
    } else if (options.openrouter && isWebSearch(type)) {
      warnings.push({
        param: 'tool_choice',
        message: "OpenRouter's web plugin searches on every request; a choice of it cannot be expressed and is not sent.",
      });
    } else {
      throw new UnsupportedFeatureError(
        'tool_choice',
        `tool_choice of type "${type ?? 'unknown'}" cannot be honoured by a Chat Completions provider.`,
      );
    }
  }

  const fields: ChatToolFields = {};
  if (webSearch) fields.plugins = [{ id: 'web' }];
  if (tools.length === 0) {
    // Chat servers reject tool_choice / parallel_tool_calls without tools.
    for (const param of ['tool_choice', 'parallel_tool_calls'] as const) {
      if (request[param] !== undefined && request[param] !== null) {
        warnings.push({ param, message: `${param} without any function tool to apply to; not sent.` });
      }
    }
    return fields;
  }
  fields.tools = tools.map((tool) => tool.chat);
  if (toolChoice !== undefined) fields.tool_choice = toolChoice;
  if (typeof request.parallel_tool_calls === 'boolean') fields.parallel_tool_calls = request.parallel_tool_calls;
  return fields;
}

function convertTools(
  value: unknown,
  options: PrepareToolsOptions,
  warnings: ConversionWarning[],
): { tools: NamedTool[]; webSearch: boolean } {
  if (value === undefined || value === null) return { tools: [], webSearch: false };
  if (!Array.isArray(value)) {
    warnings.push({ param: 'tools', message: 'tools is not a list; not sent.' });
    return { tools: [], webSearch: false };
  }
  const tools: NamedTool[] = [];
  let webSearch = false;
  value.forEach((tool: unknown, i) => {
    const param = `tools[${i}]`;
    const typed = typedSchema.safeParse(tool);
    const type = typed.success ? typed.data.type : undefined;
    if (type === 'function') {
      const parsed = functionToolSchema.safeParse(tool);
      if (!parsed.success) {
        warnings.push({ param, message: 'Function tool without a valid name/parameters; not sent.' });
        return;
      }
      tools.push({ name: parsed.data.name, chat: { type: 'function', function: chatFunction(parsed.data) } });
      warnUnknownFields(parsed.data, FUNCTION_TOOL_FIELDS, param, warnings);
    } else if (options.openrouter && isWebSearch(type) && typed.success) {
      webSearch = true;
      warnUnknownFields(typed.data, new Set(['type']), param, warnings);
    } else {
      throw new UnsupportedFeatureError(
        param,
        `The "${type ?? 'unknown'}" tool is not available on a Chat Completions provider; only function tools are.`,
      );
    }
  });
  return { tools, webSearch };
}

function chatFunction(tool: z.infer<typeof functionToolSchema>): JsonObject {
  const fn: JsonObject = { name: tool.name };
  if (tool.description !== undefined && tool.description !== null) fn.description = tool.description;
  if (tool.parameters !== undefined && tool.parameters !== null) fn.parameters = tool.parameters;
  if (tool.strict !== undefined && tool.strict !== null) fn.strict = tool.strict;
  return fn;
}

/** `web_search`, `web_search_preview` and their dated variants (`web_search_preview_2025_03_11`). */
function isWebSearch(type: unknown): boolean {
  return typeof type === 'string' && type.startsWith('web_search');
}

function warnUnknownFields(tool: JsonObject, known: Set<string>, param: string, warnings: ConversionWarning[]): void {
  for (const [key, value] of Object.entries(tool)) {
    if (known.has(key) || value === undefined || value === null) continue;
    warnings.push({ param: `${param}.${key}`, message: `Tool field "${key}" has no Chat equivalent; not sent.` });
  }
}
