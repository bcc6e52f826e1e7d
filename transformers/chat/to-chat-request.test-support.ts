// Test support: runs toChatRequest the way the request-mapping tests need it.
import type { JsonObject } from '../responses-types.js';
import { UnsupportedFeatureError } from './errors.js';
import { toChatRequest, type ChatRequestOptions } from './to-chat-request.js';

export const generic: ChatRequestOptions = { upstreamModel: 'served-model' };
export const openrouter: ChatRequestOptions = { upstreamModel: 'vendor/model', quirks: 'openrouter' };

export function convert(request: JsonObject, options: ChatRequestOptions = generic) {
  return toChatRequest({ model: 'client-model', ...request }, options);
}

export function messagesOf(request: JsonObject, options: ChatRequestOptions = generic): unknown {
  return convert(request, options).body.messages;
}

/** The UnsupportedFeatureError `run` throws (fails the test when it throws nothing or something else). */
export function thrown(run: () => unknown): UnsupportedFeatureError {
  try {
    run();
  } catch (error) {
    if (error instanceof UnsupportedFeatureError) return error;
    throw error;
  }
  throw new Error('expected an UnsupportedFeatureError');
}
