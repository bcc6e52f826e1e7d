// Test support: checks objects the gateway emits against OpenAI's OpenAPI spec and the Open Responses spec (components.schemas).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { specDir } from './fixture-dirs.js';

type JsonObject = { [key: string]: unknown };

// Each spec is registered (in its own Ajv) under this $id so every '#/components/schemas/X' $ref resolves inside it.
const SPEC_ID = 'https://junction.local/openapi.json';
const SCHEMA_PREFIX = '#/components/schemas/';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Keywords whose value is a map of name -> subschema: the keys are property names, never keywords.
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions']);
// Keywords whose value is a subschema or an array of subschemas.
const SCHEMA_KEYWORDS = new Set([
  'additionalProperties', 'unevaluatedProperties', 'propertyNames', 'items', 'prefixItems', 'contains',
  'unevaluatedItems', 'not', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf',
]);
// Annotations never affect validity; dropping them keeps the compiled code and memory small.
// $recursiveAnchor goes too because its $recursiveRef partner is rewritten into a plain $ref.
const DROPPED_KEYWORDS = new Set(['example', 'examples', 'description', 'title', '$recursiveAnchor']);

function isNullableMarker(value: unknown): boolean {
  return isObject(value) && value.nullable === true && Object.keys(value).every((k) => k === 'nullable' || k === 'description');
}

/**
 * Rewrites one OpenAPI 3.1 schema (which still carries some 3.0 idioms) into plain JSON Schema 2020-12.
 * `component` is the enclosing components.schemas name, needed to resolve `$recursiveRef: '#'`.
 */
function toJsonSchema(node: unknown, component: string): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, component));
  if (!isObject(node)) return node;

  const out: JsonObject = {};
  let nullable = false;
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYWORDS.has(key) || key.startsWith('x-')) continue;
    if (key === 'nullable') {
      nullable = value === true;
    } else if (key === '$recursiveRef') {
      // Ajv 2020 only knows $dynamicRef; in this spec '#' always means "the enclosing component".
      out.$ref = value === '#' ? `${SCHEMA_PREFIX}${component}` : value;
    } else if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub, component)]));
    } else if (key === 'allOf' && Array.isArray(value)) {
      // OpenAPI 3.0 idiom `allOf: [{$ref}, {nullable: true}]` makes the whole schema nullable.
      const members = value.filter((member) => !isNullableMarker(member));
      if (members.length !== value.length) nullable = true;
      out.allOf = members.map((member) => toJsonSchema(member, component));
    } else if (SCHEMA_KEYWORDS.has(key)) {
      out[key] = toJsonSchema(value, component);
    } else {
      out[key] = value; // enum, const, default, required…: data, not schemas
    }
  }

  // OpenAPI 3.0 boolean form; 2020-12 wants the bound itself.
  if (typeof out.exclusiveMinimum === 'boolean') {
    if (out.exclusiveMinimum) out.exclusiveMinimum = out.minimum;
    else delete out.exclusiveMinimum;
    if (out.exclusiveMinimum !== undefined) delete out.minimum;
  }
  if (typeof out.exclusiveMaximum === 'boolean') {
    if (out.exclusiveMaximum) out.exclusiveMaximum = out.maximum;
    else delete out.exclusiveMaximum;
    if (out.exclusiveMaximum !== undefined) delete out.maximum;
  }

  return nullable ? makeNullable(out) : out;
}

function makeNullable(schema: JsonObject): JsonObject {
  const composite = ['$ref', 'allOf', 'anyOf', 'oneOf', 'not', 'if'].some((k) => k in schema);
  if (!composite && typeof schema.type === 'string') {
    // A type union keeps error messages short ("must be string,null") instead of an anyOf failure.
    const enumValues = Array.isArray(schema.enum) && !schema.enum.includes(null) ? [...schema.enum, null] : schema.enum;
    return { ...schema, type: [schema.type, 'null'], ...(enumValues ? { enum: enumValues } : {}) };
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/** Tag values a union member declares for `tag` (following $ref and allOf), or undefined if it declares none. */
function tagValuesOf(schema: unknown, tag: string, schemas: JsonObject, depth = 0): string[] | undefined {
  if (!isObject(schema) || depth > 8) return undefined;
  const follow = (ref: unknown): unknown =>
    typeof ref === 'string' && ref.startsWith(SCHEMA_PREFIX) ? schemas[ref.slice(SCHEMA_PREFIX.length)] : undefined;
  const tagSchemaRaw = isObject(schema.properties) ? schema.properties[tag] : undefined;
  if (isObject(tagSchemaRaw)) {
    const tagSchema = '$ref' in tagSchemaRaw ? follow(tagSchemaRaw.$ref) : tagSchemaRaw;
    if (!isObject(tagSchema)) return undefined;
    const values = tagSchema.const !== undefined ? [tagSchema.const] : tagSchema.enum;
    return Array.isArray(values) && values.every((v): v is string => typeof v === 'string') ? values : undefined;
  }
  if ('$ref' in schema) return tagValuesOf(follow(schema.$ref), tag, schemas, depth + 1);
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) {
      const values = tagValuesOf(part, tag, schemas, depth + 1);
      if (values) return values;
    }
  }
  return undefined;
}

/**
 * Turns a tagged union into "look at the tag, then validate only the members that carry it", so a bad
 * output item yields the errors of its own schema instead of one failure per union member (58 for a
 * stream event). Ajv's own `discriminator` option cannot do this for this spec: it rejects members defined
 * through allOf and tags shared by several members, both common here, and many unions (text.format, tool
 * choices) declare no discriminator although every member has a `type` enum.
 * Validity does not change: members sharing a tag keep the original oneOf/anyOf among themselves, and
 * values without the tag fall back to the untouched union. Unions with a member that has no recognisable
 * tag are left as they are.
 */
function rewriteTaggedUnion(node: JsonObject, tag: string, schemas: JsonObject): void {
  const unionKey = Array.isArray(node.oneOf) ? 'oneOf' : Array.isArray(node.anyOf) ? 'anyOf' : undefined;
  if (!unionKey || 'if' in node) return;
  const members = node[unionKey];
  if (!Array.isArray(members) || members.length < 2) return;

  const groups = new Map<string, unknown[]>();
  for (const member of members) {
    const values = tagValuesOf(member, tag, schemas);
    if (!values) return;
    for (const value of values) groups.set(value, [...(groups.get(value) ?? []), member]);
  }

  delete node[unionKey];
  node.if = { type: 'object', required: [tag] };
  node.then = {
    properties: { [tag]: { enum: [...groups.keys()] } },
    allOf: [...groups].map(([value, group]) => ({
      if: { properties: { [tag]: { const: value } } },
      then: group.length === 1 ? group[0] : { [unionKey]: group },
    })),
  };
  node.else = { [unionKey]: members };
}

function rewriteTaggedUnions(schemas: JsonObject): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!isObject(node)) return;
    // Inner unions first, so an outer rewrite copies already-rewritten members.
    for (const [key, value] of Object.entries(node)) {
      if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) Object.values(value).forEach(visit);
      else if (SCHEMA_KEYWORDS.has(key)) visit(value);
    }
    const { discriminator } = node;
    delete node.discriminator;
    const tag = isObject(discriminator) && typeof discriminator.propertyName === 'string' ? discriminator.propertyName : 'type';
    rewriteTaggedUnion(node, tag, schemas);
  };
  Object.values(schemas).forEach(visit);
}

interface Loaded {
  ajv: Ajv2020;
  schemaNames: Set<string>;
  eventSchemaByType: Map<string, string>;
  validators: Map<string, ValidateFunction>;
}

/** One spec to validate against, and where in it the Response object and the stream events are. */
interface SpecSource {
  file: string;
  /** The components.schemas member a Response object (JSON body, GET, lifecycle event payload) must match. */
  responseSchema: string;
  /** The union of stream event schemas: a components.schemas member, or a path's text/event-stream schema. */
  eventUnion: (spec: JsonObject, schemas: JsonObject) => unknown;
  /**
   * What an event type the spec does not list is: passed (OpenAI's spec; the gateway forwards newer events
   * untouched) or an error (Open Responses, whose compliance suite parses every event with its union).
   */
  unknownEvents: 'pass' | 'reject';
}

export interface SpecValidator {
  /** The spec's file name in test/fixtures/spec/. */
  readonly file: string;
  /** Validates `value` against `components.schemas[schemaName]`; returns readable errors (empty = valid). */
  validateSchema(schemaName: string, value: unknown): string[];
  /** Validates a full Response object (OpenAI's `Response`, Open Responses' `ResponseResource`). */
  validateResponseObject(value: unknown): string[];
  /** Validates one streaming event against the union member selected by its `type`. */
  validateStreamEvent(event: unknown): string[];
  /** Name of the components.schemas member used for a stream event type, or undefined if the spec lacks it. */
  streamEventSchemaName(type: string): string | undefined;
}

function loadSpec(source: SpecSource): Loaded {
  const specPath = path.join(specDir, source.file);
  const spec: unknown = JSON.parse(readFileSync(specPath, 'utf8'));
  if (!isObject(spec) || !isObject(spec.components) || !isObject(spec.components.schemas)) {
    throw new Error(`${specPath}: no components.schemas`);
  }
  if (typeof spec.openapi !== 'string' || !spec.openapi.startsWith('3.1')) {
    // 3.1 schemas are JSON Schema 2020-12; a 3.0 spec would need draft-04 semantics throughout.
    throw new Error(`${specPath}: expected OpenAPI 3.1.x, got ${String(spec.openapi)}`);
  }

  const schemas: JsonObject = {};
  for (const [name, schema] of Object.entries(spec.components.schemas)) schemas[name] = toJsonSchema(schema, name);
  // Read the event union before rewriteTaggedUnions replaces its anyOf.
  const eventSchemaByType = buildEventMap(source.eventUnion(spec, schemas), schemas, specPath);
  rewriteTaggedUnions(schemas);

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // OpenAI's own format name for unix seconds; any number is acceptable.
  ajv.addFormat('unixtime', { type: 'number', validate: () => true });
  ajv.addSchema({ $id: SPEC_ID, components: { schemas } });

  return {
    ajv,
    schemaNames: new Set(Object.keys(schemas)),
    eventSchemaByType,
    validators: new Map(),
  };
}

// An event union is a list of $refs; mapping type -> member lets us report one member's errors.
function buildEventMap(union: unknown, schemas: JsonObject, specPath: string): Map<string, string> {
  const members = isObject(union) ? (union.anyOf ?? union.oneOf) : undefined;
  if (!Array.isArray(members)) throw new Error(`${specPath}: the stream event union is not an anyOf/oneOf union`);
  const map = new Map<string, string>();
  for (const member of members) {
    if (!isObject(member) || typeof member.$ref !== 'string') continue;
    const name = member.$ref.slice(SCHEMA_PREFIX.length);
    const schema = schemas[name];
    const typeSchema = isObject(schema) && isObject(schema.properties) ? schema.properties.type : undefined;
    if (!isObject(typeSchema)) continue;
    const values = typeSchema.const !== undefined ? [typeSchema.const] : typeSchema.enum;
    if (!Array.isArray(values)) continue;
    for (const value of values) if (typeof value === 'string') map.set(value, name);
  }
  return map;
}

function formatError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  const params: JsonObject = error.params;
  let detail = '';
  if (Array.isArray(params.allowedValues)) {
    const allowed = JSON.stringify(params.allowedValues);
    detail = ` ${allowed.length > 160 ? `${allowed.slice(0, 157)}...` : allowed}`;
  } else if (typeof params.additionalProperty === 'string') {
    detail = ` '${params.additionalProperty}'`;
  }
  return `${where}: ${error.message ?? error.keyword}${detail}`;
}

function run(validate: ValidateFunction, value: unknown): string[] {
  if (validate(value)) return [];
  // 'if' errors come from the rewritten tagged unions and only restate that a deeper error exists;
  // anyOf branches often report the same thing more than once.
  const errors = (validate.errors ?? []).filter((error) => error.keyword !== 'if');
  return [...new Set(errors.map(formatError))];
}

/** A validator for one spec, loaded (3–4 MB of JSON, rewritten) on first use. */
function specValidator(source: SpecSource): SpecValidator {
  let loaded: Loaded | undefined;
  const load = () => (loaded ??= loadSpec(source));

  const validatorFor = (schemaName: string): ValidateFunction => {
    const state = load();
    const cached = state.validators.get(schemaName);
    if (cached) return cached;
    if (!state.schemaNames.has(schemaName)) throw new Error(`${source.file} has no components.schemas.${schemaName}`);
    const validate = state.ajv.compile({ $ref: `${SPEC_ID}${SCHEMA_PREFIX}${schemaName}` });
    state.validators.set(schemaName, validate);
    return validate;
  };
  const validateSchema = (schemaName: string, value: unknown) => run(validatorFor(schemaName), value);

  return {
    file: source.file,
    validateSchema,
    validateResponseObject: (value) => validateSchema(source.responseSchema, value),
    validateStreamEvent(event) {
      if (!isObject(event) || typeof event.type !== 'string') return ['(root): must be an object with a string "type"'];
      const schemaName = load().eventSchemaByType.get(event.type);
      if (schemaName !== undefined) return validateSchema(schemaName, event);
      return source.unknownEvents === 'pass' ? [] : [`/type: must be an event type of this spec, not '${event.type}'`];
    },
    streamEventSchemaName: (type) => load().eventSchemaByType.get(type),
  };
}

/** OpenAI's own spec. Event types it does not know pass: the gateway forwards newer events untouched. */
export const openaiSpec = specValidator({
  file: 'openai-openapi.json',
  responseSchema: 'Response',
  eventUnion: (_spec, schemas) => schemas.ResponseStreamEvent,
  unknownEvents: 'pass',
});

/** The Open Responses spec, the one its public compliance suite checks (ResponseResource, the streaming events). */
export const openResponsesSpec = specValidator({
  file: 'openresponses-openapi.json',
  responseSchema: 'ResponseResource',
  eventUnion: (spec) => {
    const paths = spec.paths as Record<string, { post?: { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } }>;
    return paths['/responses']?.post?.responses?.['200']?.content?.['text/event-stream']?.schema;
  },
  unknownEvents: 'reject',
});

/** Validates `value` against OpenAI's `components.schemas[schemaName]`; returns readable errors (empty = valid). */
export const validateSchema = (schemaName: string, value: unknown) => openaiSpec.validateSchema(schemaName, value);
/** Validates a full Response object against OpenAI's `Response`. */
export const validateResponseObject = (value: unknown) => openaiSpec.validateResponseObject(value);
/**
 * Validates one streaming event against OpenAI's ResponseStreamEvent member selected by its `type`.
 * Event types the spec does not know return [] because the gateway forwards unknown events untouched.
 */
export const validateStreamEvent = (event: unknown) => openaiSpec.validateStreamEvent(event);
/** Name of OpenAI's components.schemas member for a stream event type, or undefined if the spec lacks it. */
export const streamEventSchemaName = (type: string) => openaiSpec.streamEventSchemaName(type);
