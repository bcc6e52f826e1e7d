// The `tools` a Response object shows: each tool as OpenAI echoes it, with the fields it fills in when the client left them out.
import type { JsonObject } from './responses-types.js';

/**
 * OpenAI echoes a function tool as `{type, description, name, parameters, strict}`: a missing or empty
 * description as `null` (recorded: `openai/text-legacy-no-seq`, sent `""`), missing parameters as `null`, and
 * a missing `strict` as `true` (Responses makes functions strict unless told otherwise; its function-calling
 * guide says so). A `web_search` tool gains `filters: null`, `search_context_size: "medium"` and a
 * `user_location` with every field (recorded: `openai/web-search-annotation`); `web_search_preview` gets the
 * defaults its spec schema names. Other tools, and fields these rules do not name, are shown as sent.
 * Returns `tools` itself when nothing needed filling, so an echo that is already whole costs no copy.
 */
export function normalizeEchoedTools(tools: unknown): unknown {
  if (!Array.isArray(tools)) return tools;
  for (let i = 0; i < tools.length; i++) {
    if (normalizeTool(tools[i]) !== tools[i]) return tools.map(normalizeTool);
  }
  return tools;
}

function normalizeTool(tool: unknown): unknown {
  if (!isObject(tool)) return tool;
  switch (tool.type) {
    case 'function': {
      const description = typeof tool.description === 'string' && tool.description !== '' ? tool.description : null;
      const parameters = tool.parameters ?? null;
      const strict = typeof tool.strict === 'boolean' ? tool.strict : true;
      if (tool.description === description && tool.parameters === parameters && tool.strict === strict) return tool;
      // OpenAI's key order first; fields this gateway does not know keep their place after them.
      return Object.assign({ type: 'function', description, name: tool.name, parameters, strict }, tool, { description, parameters, strict });
    }
    case 'web_search':
    case 'web_search_2025_08_26':
      if (tool.filters !== undefined && tool.search_context_size !== undefined && isWholeLocation(tool.user_location)) return tool;
      return { type: tool.type, filters: null, search_context_size: 'medium', ...tool, user_location: wholeLocation(tool.user_location) };
    case 'web_search_preview':
    case 'web_search_preview_2025_03_11':
      if (tool.search_context_size !== undefined && isWholeLocation(tool.user_location)) return tool;
      return { type: tool.type, search_context_size: 'medium', ...tool, user_location: wholeLocation(tool.user_location) };
    default:
      return tool;
  }
}

const LOCATION_FIELDS = ['city', 'country', 'region', 'timezone'] as const;

/** `null` when the client gave none (OpenAI fills in a location it guessed; the gateway guesses nothing). */
function wholeLocation(location: unknown): unknown {
  if (location === undefined || location === null) return null;
  if (!isObject(location)) return location;
  const whole: JsonObject = { type: 'approximate' };
  for (const field of LOCATION_FIELDS) whole[field] = null;
  return Object.assign(whole, location);
}

function isWholeLocation(location: unknown): boolean {
  if (location === null) return true;
  return isObject(location) && location.type !== undefined && LOCATION_FIELDS.every((field) => location[field] !== undefined);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
