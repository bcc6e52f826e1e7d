// The gateway's own ids, shaped like OpenAI's (a prefix and hex), so clients that look at them see nothing odd.
import { customAlphabet } from 'nanoid';

const hex = customAlphabet('0123456789abcdef', 48);

export const newResponseId = () => `resp_${hex()}`;

export const newItemId = (prefix: string) => `${prefix}_${hex()}`;

const ITEM_PREFIX: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  reasoning: 'rs',
  item_reference: 'ref',
};

/** The id an input item is listed under when the client sent none. */
export const inputItemId = (type: string | undefined) => newItemId(ITEM_PREFIX[type ?? 'message'] ?? 'item');
