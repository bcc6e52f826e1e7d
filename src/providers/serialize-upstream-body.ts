// Serialises the body sent upstream; a long list of items (45 MB of Codex history) a slice at a time, each slice encoded to bytes in a turn of the event loop of its own.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Lists shorter than this are serialised in one go, as every ordinary request is. */
const SLICED_LIST_ITEMS = 1000;
/** About this many characters of items per turn of the event loop. */
const SLICE_CHARS = 512 * 1024;

/**
 * JSON.stringify of 45 MB holds the event loop for about 200 ms, and the socket's encoding of that text as
 * long again: a body whose `input` (Responses) or `messages` (Chat Completions) is a long list is written as
 * the other fields, then the list, item by item, as UTF-8 bytes in slices. The list comes last in the JSON,
 * which no upstream minds. Anything else is the JSON text, as before.
 */
export async function serializeUpstreamBody(body: unknown): Promise<string | Buffer> {
  const field = longListField(body);
  if (field === undefined) return JSON.stringify(body);
  const { [field]: list, ...rest } = body as Record<string, unknown[]>;
  const head = JSON.stringify(rest);
  const parts: Buffer[] = [Buffer.from(`${head.length > 2 ? `${head.slice(0, -1)},` : '{'}${JSON.stringify(field)}:[`)];
  let slice: string[] = [];
  let chars = 0;
  const flush = () => {
    parts.push(Buffer.from(slice.join(',')));
    slice = [];
    chars = 0;
  };
  for (let i = 0; i < list!.length; i++) {
    // JSON.stringify writes an undefined array entry as null.
    const json = JSON.stringify(list![i]) ?? 'null';
    slice.push(json);
    chars += json.length;
    if (chars >= SLICE_CHARS && i < list!.length - 1) {
      slice.push('');
      flush();
      await nextTurn();
    }
  }
  flush();
  parts.push(Buffer.from(']}'));
  await nextTurn();
  return Buffer.concat(parts);
}

function longListField(body: unknown): 'input' | 'messages' | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  if (Array.isArray(record.input) && record.input.length > SLICED_LIST_ITEMS) return 'input';
  if (Array.isArray(record.messages) && record.messages.length > SLICED_LIST_ITEMS) return 'messages';
  return undefined;
}
