// The gateway's own ids, shaped like OpenAI's (a prefix and hex), so clients that look at them see nothing odd.
import { customAlphabet } from 'nanoid';

const random = customAlphabet('0123456789abcdef', 36);

/**
 * 48 hex digits, as OpenAI's: the creation time in milliseconds (12 digits), then 144 random bits. Ids
 * that grow with time land at the right end of every index keyed by them, so a commit touches a few pages
 * instead of one random page per index per row (measured: half the store's CPU per response).
 */
const timeOrderedHex = () => Date.now().toString(16).padStart(12, '0') + random();

export const newResponseId = () => `resp_${timeOrderedHex()}`;

export const newItemId = (prefix: string) => `${prefix}_${timeOrderedHex()}`;

const ITEM_PREFIX: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  custom_tool_call: 'ctc',
  custom_tool_call_output: 'ctco',
  tool_search_call: 'tsc',
  tool_search_output: 'tso',
  reasoning: 'rs',
  item_reference: 'ref',
};

/** The id an input item is listed under when the client sent none. */
export const inputItemId = (type: string | undefined) => newItemId(ITEM_PREFIX[type ?? 'message'] ?? 'item');
