// A model's own request shape: its configured `defaults` under the client's fields, and its `drop` list taken out, each change said as a warning.
import type { ConversionWarning, JsonObject } from '../../transformers/responses-types.js';

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Returns the body to send (the same object when nothing changes) and what was changed: a default filled in
 * (objects merged one level deep: the client's `reasoning.effort` stays, a default `reasoning.summary` joins
 * it), and, as warnings, a dropped field the client had sent. Nothing is changed in `body` itself.
 */
export function shapeRequest<T extends JsonObject>(
  body: T,
  alias: string,
  defaults: JsonObject | undefined,
  drop: string[],
): { body: T; filled: ConversionWarning[]; warnings: ConversionWarning[] } {
  /** Defaults filled in: what the operator configured, on every request (logged at debug, not a warning each time). */
  const filled: ConversionWarning[] = [];
  const warnings: ConversionWarning[] = [];
  let shaped = body;
  if (defaults) {
    for (const [key, value] of Object.entries(defaults)) {
      const given = shaped[key];
      if (given === undefined || given === null) {
        shaped = { ...shaped, [key]: value };
        filled.push({ param: key, message: `set to ${JSON.stringify(value)} by models.${alias}.defaults` });
      } else if (isObject(given) && isObject(value)) {
        const missing = Object.keys(value).filter((inner) => given[inner] === undefined || given[inner] === null);
        if (missing.length === 0) continue;
        shaped = { ...shaped, [key]: { ...Object.fromEntries(missing.map((inner) => [inner, value[inner]])), ...stripNull(given) } };
        for (const inner of missing) filled.push({ param: `${key}.${inner}`, message: `set to ${JSON.stringify(value[inner])} by models.${alias}.defaults` });
      }
    }
  }
  for (const path of drop) {
    const next = without(shaped, path.split('.'));
    if (next === shaped) continue;
    shaped = next as T;
    warnings.push({ param: path, message: `left out: models.${alias}.drop names it (the model refuses it)` });
  }
  return { body: shaped, filled, warnings };
}

function stripNull(object: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== null && value !== undefined));
}

/** `object` without the field at `path`, copied along the path; the same object when the field is absent. */
function without(object: JsonObject, [head, ...rest]: string[]): JsonObject {
  if (!(head! in object)) return object;
  if (rest.length === 0) {
    const { [head!]: _dropped, ...kept } = object;
    return kept;
  }
  const inner = object[head!];
  if (!isObject(inner)) return object;
  const next = without(inner, rest);
  return next === inner ? object : { ...object, [head!]: next };
}
