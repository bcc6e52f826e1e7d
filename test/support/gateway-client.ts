// Talks to a running gateway the way a plain HTTP client does: JSON calls, and SSE read through eventsource-parser.
import { createParser } from 'eventsource-parser';
import type { JsonObject } from '../../transformers/responses-types.js';
import { authHeaders } from './test-gateway.js';

export interface SseResult {
  status: number;
  contentType: string | null;
  events: (JsonObject & { type: string })[];
  /** The `event:` line of each event, to check it matches `data.type`. */
  names: (string | undefined)[];
  json?: JsonObject;
  headers: Headers;
}

export async function postResponses(baseUrl: string, body: JsonObject, key?: string): Promise<SseResult> {
  const res = await fetch(`${baseUrl}/v1/responses`, { method: 'POST', headers: authHeaders(key), body: JSON.stringify(body) });
  const contentType = res.headers.get('content-type');
  if (!contentType?.startsWith('text/event-stream')) {
    return { status: res.status, contentType, events: [], names: [], json: (await res.json()) as JsonObject, headers: res.headers };
  }
  const events: SseResult['events'] = [];
  const names: SseResult['names'] = [];
  const parser = createParser({
    onEvent(message) {
      names.push(message.event);
      events.push(JSON.parse(message.data) as SseResult['events'][number]);
    },
  });
  parser.feed(await res.text());
  return { status: res.status, contentType, events, names, headers: res.headers };
}

export async function getJson(baseUrl: string, path: string, key?: string, method = 'GET'): Promise<{ status: number; json: JsonObject }> {
  const res = await fetch(`${baseUrl}${path}`, { method, headers: authHeaders(key) });
  return { status: res.status, json: (await res.json()) as JsonObject };
}
