// The client's POST /v1/responses body: the fields the gateway reads are checked, everything else is kept.
import { z } from 'zod';
import { invalidRequest, type GatewayError } from '../errors/gateway-error.js';

export const createResponseSchema = z.looseObject({
  model: z.string({ error: "Missing required parameter: 'model'." }).min(1, "Missing required parameter: 'model'."),
  // Items are checked by checkInputItems: zod would copy every key of every item (Codex sends megabytes).
  input: z.union([z.string(), z.array(z.unknown())]).optional(),
  instructions: z.string().nullable().optional(),
  previous_response_id: z.string().min(1).nullable().optional(),
  conversation: z.union([z.string(), z.looseObject({ id: z.string() })]).nullable().optional(),
  store: z.boolean().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  background: z.boolean().nullable().optional(),
  include: z.array(z.string()).nullable().optional(),
  max_output_tokens: z.number().int().min(16, 'must be at least 16').nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  reasoning: z.looseObject({}).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
});

export type CreateResponseBody = z.infer<typeof createResponseSchema>;

export function parseCreateResponse(body: unknown): CreateResponseBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest(null, 'The request body must be a JSON object.');
  }
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
