// Turns a non-streamed `chat.completion` body into chunks, so one stream converter serves both answers.
import { z } from 'zod';
import type { JsonObject } from '../responses-types.js';

// Some servers ignore `stream: true` and answer with one JSON body. Its `message` has the same fields as a
// streamed `delta` (content, reasoning, reasoning_details, tool_calls, refusal, annotations), so each choice
// becomes one chunk whose delta is the whole message; the converter already handles reasoning and content
// arriving in the same chunk. Usage, model and any error ride on that chunk as they would on the last one.
const completionSchema = z.looseObject({
  choices: z.array(
    z.looseObject({
      index: z.number().nullish(),
      message: z.looseObject({ tool_calls: z.array(z.looseObject({ index: z.number().nullish() })).nullish() }).nullish(),
      finish_reason: z.string().nullish(),
    }),
  ),
});

/** The chunks equivalent to `completion`; a body that is not a completion is passed on for the converter to reject. */
export function completionToChunks(completion: unknown): unknown[] {
  const parsed = completionSchema.safeParse(completion);
  if (!parsed.success) return [completion];
  const { choices, ...rest } = parsed.data;
  const chunkChoices = choices.map((choice, position): JsonObject => {
    const { message, ...choiceRest } = choice;
    const delta: JsonObject = { ...message };
    if (message?.tool_calls) {
      // Streamed tool calls are addressed by `index`; non-streamed ones often carry none.
      delta.tool_calls = message.tool_calls.map((call, callPosition) => ({ ...call, index: call.index ?? callPosition }));
    }
    return { ...choiceRest, index: choice.index ?? position, delta };
  });
  return [{ ...rest, object: 'chat.completion.chunk', choices: chunkChoices }];
}
