// Chat Completions finish_reason → how the Responses run ends (completed, incomplete with a reason, or failed).

export type ChatOutcome =
  | { status: 'completed' }
  | { status: 'incomplete'; reason: 'max_output_tokens' | 'content_filter' }
  | { status: 'failed'; code: string; message: string };

export function mapFinishReason(finishReason: string): ChatOutcome {
  switch (finishReason) {
    case 'length':
      return { status: 'incomplete', reason: 'max_output_tokens' };
    case 'content_filter':
      return { status: 'incomplete', reason: 'content_filter' };
    case 'error':
      return {
        status: 'failed',
        code: 'server_error',
        message: 'The upstream provider ended the response with finish_reason "error".',
      };
    default:
      // `stop`, `tool_calls`, the legacy `function_call`, and the odd server-specific value (`eos`, `end_turn`):
      // the model stopped on its own, which is what `completed` means.
      return { status: 'completed' };
  }
}
