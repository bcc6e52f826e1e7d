// Responses message content (a string or input_text/input_image/input_file parts) → Chat message content.
import { z } from 'zod';
import type { ConversionWarning, JsonObject } from '../responses-types.js';

const textPartSchema = z.looseObject({ type: z.enum(['input_text', 'output_text', 'text']), text: z.string() });
const refusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
const imagePartSchema = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.string().nullish(),
});
const filePartSchema = z.looseObject({
  type: z.literal('input_file'),
  file_data: z.string().nullish(),
  file_id: z.string().nullish(),
  file_url: z.string().nullish(),
  filename: z.string().nullish(),
});

// Chat's image detail knows only these; Responses adds `original`.
const CHAT_IMAGE_DETAILS = new Set(['low', 'high', 'auto']);

/**
 * User content: text, images and files as Chat parts. A lone text part becomes a plain string, the form every
 * OpenAI-compatible server reads (some small servers still mishandle part arrays).
 */
export function convertUserContent(content: unknown, param: string, warnings: ConversionWarning[]): string | JsonObject[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    warnings.push({ param, message: 'Message content is neither a string nor a list of parts; sent as empty.' });
    return '';
  }
  const parts = content.flatMap((part, j) => convertUserPart(part, `${param}[${j}]`, warnings));
  const [only] = parts;
  if (parts.length === 1 && only.type === 'text') return String(only.text);
  return parts;
}

function convertUserPart(part: unknown, param: string, warnings: ConversionWarning[]): JsonObject[] {
  const text = textPartSchema.safeParse(part);
  if (text.success) return [{ type: 'text', text: text.data.text }];

  const image = imagePartSchema.safeParse(part);
  if (image.success) {
    const { image_url: url, detail } = image.data;
    if (!url) {
      warnings.push({ param, message: 'An input_image given only by file_id cannot be sent to a Chat provider; dropped.' });
      return [];
    }
    const imageUrl: JsonObject = { url };
    if (detail && CHAT_IMAGE_DETAILS.has(detail)) imageUrl.detail = detail;
    else if (detail) warnings.push({ param: `${param}.detail`, message: `Image detail "${detail}" has no Chat equivalent; not sent.` });
    return [{ type: 'image_url', image_url: imageUrl }];
  }

  const file = filePartSchema.safeParse(part);
  if (file.success) {
    // Best effort: Chat's `file` part takes inline data or an OpenAI file id; a URL goes in `file_data`, which
    // OpenRouter accepts and other servers may not.
    const { file_data, file_id, file_url, filename } = file.data;
    const chatFile: JsonObject = {};
    if (file_data) chatFile.file_data = file_data;
    else if (file_id) chatFile.file_id = file_id;
    else if (file_url) chatFile.file_data = file_url;
    else {
      warnings.push({ param, message: 'An input_file with no file_data, file_id or file_url; dropped.' });
      return [];
    }
    if (filename) chatFile.filename = filename;
    return [{ type: 'file', file: chatFile }];
  }

  warnings.push({ param, message: `Content part ${describeType(part)} cannot be sent to a Chat provider; dropped.` });
  return [];
}

/**
 * Content for roles whose Chat content is plain text (system, assistant, tool output): the text of the
 * parts, one per line (a refusal counts as text); any other part is dropped with a warning.
 */
export function convertTextContent(content: unknown, param: string, warnings: ConversionWarning[]): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    warnings.push({ param, message: 'Content is neither a string nor a list of parts; sent as empty.' });
    return '';
  }
  const texts = content.flatMap((part, j): string[] => {
    const text = textPartSchema.safeParse(part);
    if (text.success) return [text.data.text];
    const refusal = refusalPartSchema.safeParse(part);
    if (refusal.success) return [refusal.data.refusal];
    warnings.push({
      param: `${param}[${j}]`,
      message: `Content part ${describeType(part)} cannot be carried in this Chat message, which takes text only; dropped.`,
    });
    return [];
  });
  return texts.join('\n');
}

function describeType(part: unknown): string {
  const type = typeof part === 'object' && part !== null && 'type' in part ? part.type : undefined;
  return typeof type === 'string' ? `"${type}"` : '(without a type)';
}
