// Refuses a request body nested deeper than any real request, with the 400 that names the field, before anything recurses into it.
import { invalidRequest } from '../errors/gateway-error.js';

/** No real request nests this deep; JSON.stringify overflows its stack somewhere past 4,000 levels. */
export const MAX_NESTING = 512;

type Path = (string | number)[];

/**
 * JSON.parse takes any depth, but every recursion after it (JSON.stringify of the upstream body, the
 * store's serialisation, converters) can overflow the stack, and a provider that drops the field would
 * forward the rest: so the depth is checked once, here. The check costs a few percent of JSON.parse.
 */
export function refuseDeepNesting(body: unknown): void {
  if (!nestedDeeper(body, 0)) return;
  const param = fieldOf(deepPath(body, MAX_NESTING)!);
  throw invalidRequest(param, `Invalid value for '${param}': it is nested more than ${MAX_NESTING} levels deep.`, 'invalid_value');
}

/** Recursion bounded by MAX_NESTING frames, so it cannot overflow itself; for..in allocates nothing. */
function nestedDeeper(value: unknown, depth: number): boolean {
  if (depth > MAX_NESTING) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child === 'object' && child !== null && nestedDeeper(child, depth + 1)) return true;
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const child = record[key];
      if (typeof child === 'object' && child !== null && nestedDeeper(child, depth + 1)) return true;
    }
  }
  return false;
}

/** The path to a value nested more than `limit` levels deep, walked without recursion; undefined if none is. */
export function deepPath(root: unknown, limit: number): Path | undefined {
  const stack: { value: unknown; path: Path }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (path.length > limit) return path;
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) stack.push({ value: value[i], path: [...path, i] });
    else for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: [...path, key] });
  }
  return undefined;
}

/** The field a client wrote: `text`, or for a list of objects the item's field, `input[0].content`. */
function fieldOf(path: Path): string {
  const [top, index, key] = path;
  return typeof index === 'number' && typeof key === 'string' ? `${String(top)}[${index}].${key}` : String(top);
}
