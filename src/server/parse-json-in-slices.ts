// Parses a large request body (45 MB of Codex history) a slice at a time: its `input` list item by item, with turns of the event loop between, instead of one JSON.parse that holds the loop for 100 ms or more.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Characters scanned, or parsed, per turn of the event loop. */
const SLICE_CHARS = 1024 * 1024;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * The same value as JSON.parse(text), and the same failure for text that is not JSON: the top-level object
 * is parsed with its `input` list left empty, then each item of the list on its own. When the text is not
 * an object with exactly one `input` key holding a list, it is one JSON.parse after all.
 */
export async function parseJsonInSlices(text: string): Promise<unknown> {
  const list = await findInputList(text);
  if (list === undefined) return JSON.parse(text);
  const body = JSON.parse(`${text.slice(0, list.start)}[]${text.slice(list.end)}`) as Record<string, unknown>;
  const items: unknown[] = new Array(list.items.length);
  let chars = 0;
  for (let i = 0; i < list.items.length; i++) {
    const [from, to] = list.items[i]!;
    items[i] = JSON.parse(text.slice(from, to));
    chars += to - from;
    if (chars >= SLICE_CHARS) {
      chars = 0;
      await nextTurn();
    }
  }
  body.input = items;
  return body;
}

interface InputList {
  /** Where the list's `[` is, and just past its `]`. */
  start: number;
  end: number;
  /** Each item's text, as [from, to) (with the whitespace around it). */
  items: [number, number][];
}

/**
 * One pass over the text that follows only what JSON.parse needs to be told apart: strings (skipped with
 * indexOf), nesting depth, and at depth 1 the key `input` and its list's commas. Undefined when there is no
 * such list, or two `input` keys, or the text breaks off inside a string.
 */
async function findInputList(text: string): Promise<InputList | undefined> {
  if (text.trimStart()[0] !== '{') return undefined;
  let found: InputList | undefined;
  let depth = 0;
  /** The last string at depth 1 was `"input"`; the value after its `:` is the list. */
  let inputKey = false;
  let inputValue = false;
  let list: InputList | undefined;
  let itemStart = 0;
  let nextYield = SLICE_CHARS;
  for (let i = 0; i < text.length; i++) {
    if (i >= nextYield) {
      nextYield = i + SLICE_CHARS;
      await nextTurn();
    }
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (end < 0) return undefined;
      if (depth === 1) {
        if (inputValue) return undefined; // a string value for input
        inputKey = end - i === 7 && text.startsWith('"input"', i);
      }
      i = end - 1;
      continue;
    }
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    if (depth === 1) {
      if (c === 58 /* : */) {
        inputValue = inputKey;
        inputKey = false;
        continue;
      }
      inputKey = false;
      if (inputValue) {
        inputValue = false;
        if (c !== 91 /* [ */ || found) return undefined;
        list = { start: i, end: 0, items: [] };
        itemStart = i + 1;
      }
    }
    if (c === 123 /* { */ || c === 91 /* [ */) depth++;
    else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (list && depth === 1) {
        if (list.items.length > 0 || text.slice(itemStart, i).trim() !== '') list.items.push([itemStart, i]);
        list.end = i + 1;
        found = list;
        list = undefined;
      }
    } else if (c === 44 /* , */ && list && depth === 2) {
      list.items.push([itemStart, i]);
      itemStart = i + 1;
    }
  }
  return found;
}

/** Just past the quote that closes the string opening at `at`, or -1 when it never closes. */
function endOfString(text: string, at: number): number {
  let quote = text.indexOf('"', at + 1);
  while (quote >= 0) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  return -1;
}
