// Reads a request's JSON body straight from the socket, counting bytes against the configured limit.
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { GatewayError, invalidRequest } from '../errors/gateway-error.js';
import { parseJsonInSlices } from './parse-json-in-slices.js';

/** Past this size the body is decoded as it arrives and parsed in slices. */
const LARGE_BODY_BYTES = 1024 * 1024;

/**
 * Straight from Node's IncomingMessage: going through a web `Request` (as hono's body-limit middleware
 * does) costs about 100 µs a request on this path, which is most of what the gateway may add.
 */
export async function readJsonBody(incoming: IncomingMessage, limitMb: number): Promise<unknown> {
  // A page can send text/plain (or a typeless Blob) cross-origin without asking first; JSON it cannot.
  if (!isJson(incoming.headers['content-type'])) {
    throw new GatewayError({
      status: 415,
      message: `Unsupported content type '${incoming.headers['content-type'] ?? ''}': send the body as 'Content-Type: application/json'.`,
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
    });
  }
  const maxBytes = Math.round(limitMb * 1024 * 1024);
  const tooLarge = () =>
    new GatewayError({ status: 413, message: `The request body is larger than ${limitMb} MB (server.body_limit_mb).`, type: 'invalid_request_error', code: 'request_too_large' });
  if (Number(incoming.headers['content-length'] ?? 0) > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  /** A large body is decoded chunk by chunk as it arrives (45 MB at once: 150 ms of the event loop). */
  let decoder: StringDecoder | undefined;
  let texts: string[] | undefined;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    if (decoder) texts!.push(decoder.write(chunk));
    else {
      chunks.push(chunk);
      if (size > LARGE_BODY_BYTES) {
        decoder = new StringDecoder('utf8');
        texts = chunks.map((received) => decoder!.write(received));
        chunks.length = 0;
      }
    }
  }
  const text = decoder ? texts!.join('') + decoder.end() : Buffer.concat(chunks, size).toString('utf8');
  // Parsing 45 MB (a long Codex history) in one go takes 100 ms or more: it is parsed a slice at a time.
  if (decoder) await nextTurn();
  let body: unknown;
  try {
    body = decoder ? await parseJsonInSlices(text) : JSON.parse(text);
  } catch {
    throw invalidRequest(null, 'We could not parse the JSON body of your request. Send a JSON object.', 'invalid_json');
  }
  // ...and so does what comes next (validation, then resolving its items).
  if (decoder) await nextTurn();
  return body;
}

/** `application/json`, with or without parameters (`; charset=utf-8`), in any case. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.length < 16) return false;
  const next = contentType.charCodeAt(16);
  if (!(Number.isNaN(next) || next === 59 /* ; */ || next === 32) /* space */) return false;
  return contentType.startsWith('application/json') || contentType.slice(0, 16).toLowerCase() === 'application/json';
}
