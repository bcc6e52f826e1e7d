// The one place that defines how OpenRouter's reasoning_details ride in a reasoning item's encrypted_content.
import { z } from 'zod';
import type { JsonObject } from '../responses-types.js';

// The prefix marks the blob as ours and OpenRouter's, so an OpenAI or xAI encrypted_content is never mistaken
// for it (and vice versa); the version lets the encoding change without misreading old stored items.
const FAMILY = 'openrouter.reasoning_details.';
const PREFIX = `${FAMILY}v1:`;

const detailsSchema = z.array(z.looseObject({}));

/** Packs the details, unmodified, into an opaque string for `encrypted_content`. */
export function encodeReasoningDetails(details: JsonObject[]): string {
  return PREFIX + Buffer.from(JSON.stringify(details), 'utf8').toString('base64url');
}

/** The details packed by `encodeReasoningDetails`, or undefined when `encrypted` is not such a blob. */
export function decodeReasoningDetails(encrypted: string): JsonObject[] | undefined {
  if (!encrypted.startsWith(PREFIX)) return undefined;
  const json = Buffer.from(encrypted.slice(PREFIX.length), 'base64url').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // A damaged blob is reported by the caller (a warning naming the input item), not thrown.
    return undefined;
  }
  const result = detailsSchema.safeParse(parsed);
  return result.success ? result.data : undefined;
}

/** Whether `encrypted` is the gateway's own encoding (reasoning made by a Chat provider), whatever its version or state. */
export const isGatewayReasoningEncoding = (encrypted: string): boolean => encrypted.startsWith(FAMILY);
