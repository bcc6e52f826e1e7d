// Responses `tools`, `tool_choice`, `parallel_tool_calls` → their Chat Completions forms (OpenRouter: web plugin).
import { z } from 'zod';
import type { ConversionWarning, JsonObject } from '../responses-types.js';
import { chatToolName, type ChatToolCalls } from './chat-tool-calls.js';
import { convertChatTools, isWebSearch, type LoadedTools, type NamedTool } from './convert-chat-tools.js';
import { UnsupportedFeatureError } from './errors.js';

const typedSchema = z.looseObject({ type: z.string() });

export interface ChatToolFields {
  tools?: JsonObject[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
  /** OpenRouter only: `[{id: "web"}]` stands in for Responses' hosted web search. */
  plugins?: JsonObject[];
}

export interface PrepareToolsOptions {
  openrouter: boolean;
  /** Tools that `tool_search_output` items in the input loaded. */
  loaded: LoadedTools[];
}

export interface PreparedChatTools {
  fields: ChatToolFields;
  /** How the model's calls map back to namespaced and custom tools (empty when there are none). */
  calls: ChatToolCalls;
}

/**
 * Hosted tools a Chat provider cannot run are dropped with a warning: the model answers without them.
 * Throws UnsupportedFeatureError only where the request makes no sense without them: a choice of such a
 * tool, or `required` with nothing left to call.
 */
export function prepareChatTools(
  request: JsonObject,
  options: PrepareToolsOptions,
  warnings: ConversionWarning[],
): PreparedChatTools {
  const converted = convertChatTools(request.tools, options.loaded, options.openrouter, warnings);
  let { tools, webSearch } = converted;
  let toolChoice: unknown;

  const choice = request.tool_choice;
  if (typeof choice === 'string') {
    if (choice === 'none' || choice === 'auto' || choice === 'required') toolChoice = choice;
    else warnings.push({ param: 'tool_choice', message: `tool_choice "${choice}" is not known; not sent.` });
  } else if (choice !== undefined && choice !== null) {
    const typed = typedSchema.safeParse(choice);
    const type = typed.success ? typed.data.type : undefined;
    if ((type === 'function' || type === 'custom') && typed.success && typeof typed.data.name === 'string') {
      const namespace = typeof typed.data.namespace === 'string' ? typed.data.namespace : undefined;
      toolChoice = { type: 'function', function: { name: chatToolName(typed.data.name, namespace) } };
    } else if (type === 'allowed_tools' && typed.success) {
      // Chat cannot restrict the model to a subset of the tools it sees, so it only sees the allowed ones.
      const allowed = z.array(typedSchema).catch([]).parse(typed.data.tools);
      tools = tools.filter((tool) => allowed.some((entry) => allows(entry, tool)));
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
    if (toolChoice === 'required' && converted.droppedHosted) {
      throw new UnsupportedFeatureError(
        'tool_choice',
        'tool_choice "required", but none of the tools can run on a Chat Completions provider (hosted tools are not sent).',
      );
    }
    // Chat servers reject tool_choice / parallel_tool_calls without tools.
    for (const param of ['tool_choice', 'parallel_tool_calls'] as const) {
      if (request[param] !== undefined && request[param] !== null) {
        warnings.push({ param, message: `${param} without any function tool to apply to; not sent.` });
      }
    }
    return { fields, calls: converted.calls };
  }
  fields.tools = tools.map((tool) => tool.chat);
  if (toolChoice !== undefined) fields.tool_choice = toolChoice;
  if (typeof request.parallel_tool_calls === 'boolean') fields.parallel_tool_calls = request.parallel_tool_calls;
  return { fields, calls: converted.calls };
}

/** An allowed_tools entry names a function or custom tool (in its namespace, if any) or a whole namespace. */
function allows(entry: JsonObject, tool: NamedTool): boolean {
  if (typeof entry.name !== 'string') return false;
  if (entry.type === 'namespace') return tool.namespace === entry.name;
  const namespace = typeof entry.namespace === 'string' ? entry.namespace : undefined;
  return chatToolName(entry.name, namespace) === tool.name;
}
