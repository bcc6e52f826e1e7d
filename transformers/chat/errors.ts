// The error the Chat Completions translation throws when a request asks for something a Chat provider cannot do at all.

/**
 * A request that makes no sense without a feature Chat Completions lacks (a choice of a hosted tool,
 * `required` with only hosted tools, a tool that is not a tool). Hosted tools merely offered are dropped
 * with a warning instead; this is refused, and the gateway turns it into a 400 naming `param`.
 */
export class UnsupportedFeatureError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
    this.name = 'UnsupportedFeatureError';
  }
}
