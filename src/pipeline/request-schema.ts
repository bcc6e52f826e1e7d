// The client's POST /v1/responses body: the fields the gateway reads are checked, everything else is kept.
import { z } from 'zod';
import { invalidRequest, type GatewayError } from '../errors/gateway-error.js';
import { refuseDeepNesting } from './refuse-deep-nesting.js';

/** Optional and nullable, as the spec types most fields: null means "not set". */
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/**
 * Every field that OpenAI's spec types (test/fixtures/spec/openai-openapi.json, `CreateResponse`) is checked
 * for its type, so a wrong one is a 400 naming it rather than something forwarded. Enumerations are
 * checked as strings, not against today's values: providers add values (effort `xhigh`, new service tiers)
 * before the spec does. Unknown fields are kept and forwarded.
 */
export const createResponseSchema = z.looseObject({
  model: z.string({ error: "Missing required parameter: 'model'." }).min(1, "Missing required parameter: 'model'."),
  // Items are checked by checkInputItems: zod would copy every key of every item (Codex sends megabytes).
  input: z.union([z.string(), z.array(z.unknown())], { error: 'expected a string or an array of items' }).optional(),
  instructions: nullable(z.string()),
  previous_response_id: nullable(z.string().min(1)),
  conversation: nullable(z.union([z.string(), z.looseObject({ id: z.string() })], { error: 'expected a conversation id or an object with an `id`' })),
  store: nullable(z.boolean()),
  stream: nullable(z.boolean()),
  stream_options: nullable(z.looseObject({ include_obfuscation: z.boolean().optional() })),
  background: nullable(z.boolean()),
  include: nullable(z.array(z.string())),
  max_output_tokens: nullable(z.number().int().min(16, 'must be at least 16')),
  max_tool_calls: nullable(z.number().int()),
  temperature: nullable(z.number().min(0).max(2)),
  top_p: nullable(z.number().min(0).max(1)),
  top_logprobs: nullable(z.number().int().min(0).max(20)),
  reasoning: nullable(
    z.looseObject({
      effort: nullable(z.string()),
      summary: nullable(z.string()),
      generate_summary: nullable(z.string()),
      mode: nullable(z.string()),
      context: nullable(z.string()),
    }),
  ),
  text: z
    .looseObject({
      format: z
        .looseObject({
          type: z.string(),
          name: z.string().optional(),
          description: z.string().optional(),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: nullable(z.boolean()),
        })
        .optional(),
      verbosity: nullable(z.string()),
    })
    .optional(),
  tools: nullable(z.array(z.looseObject({ type: z.string() }))),
  tool_choice: z
    .union([
      z.string(),
      z.looseObject({
        type: z.string(),
        name: nullable(z.string()),
        server_label: z.string().optional(),
        mode: z.string().optional(),
        tools: z.array(z.looseObject({})).optional(),
      }),
    ], { error: "expected 'none', 'auto', 'required' or an object with a `type`" })
    .optional(),
  parallel_tool_calls: nullable(z.boolean()),
  prompt: nullable(
    z.looseObject({
      id: z.string(),
      version: nullable(z.string()),
      variables: nullable(z.record(z.string(), z.union([z.string(), z.looseObject({ type: z.string() })], { error: 'expected a string or an input content object' }))),
    }),
  ),
  truncation: nullable(z.string()),
  service_tier: nullable(z.string()),
  metadata: nullable(z.record(z.string(), z.string())),
  user: z.string().optional(),
  safety_identifier: nullable(z.string().max(64)),
  prompt_cache_key: nullable(z.string()),
  prompt_cache_retention: nullable(z.string()),
  prompt_cache_options: z.looseObject({ ttl: z.string().optional(), mode: z.string().optional() }).optional(),
  moderation: nullable(z.looseObject({ model: z.string() })),
  context_management: nullable(z.array(z.looseObject({ type: z.string(), compact_threshold: nullable(z.number().int().min(1000)) }))),
});

export type CreateResponseBody = z.infer<typeof createResponseSchema>;

export function parseCreateResponse(body: unknown): CreateResponseBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest(null, 'The request body must be a JSON object.');
  }
  refuseDeepNesting(body);
  const result = createResponseSchema.safeParse(body);
  if (!result.success) throw toValidationError(result.error);
  if (Array.isArray(result.data.input)) checkInputItems(result.data.input);
  return result.data;
}

/** Every input item is an object with a `type`, or a `role` (a message), or an `id` (a reference). */
function checkInputItems(items: unknown[]): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown> | null;
    const ok =
      typeof item === 'object' &&
      item !== null &&
      !Array.isArray(item) &&
      (typeof item.type === 'string' || typeof item.role === 'string' || typeof item.id === 'string');
    if (!ok) throw invalidRequest(`input[${i}]`, `Invalid value for 'input[${i}]': an input item needs a \`type\` (or a \`role\` for a message).`, 'invalid_value');
  }
}

export function toValidationError(error: z.ZodError): GatewayError {
  const issue = error.issues[0]!;
  const param = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  const message = issue.message.startsWith('Missing required') ? issue.message : `Invalid value for '${param}': ${issue.message}.`;
  return invalidRequest(param || null, message, issue.message.startsWith('Missing required') ? 'missing_required_parameter' : 'invalid_value');
}
