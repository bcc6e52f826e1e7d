// The error the Chat Completions translation throws when a request asks for something a Chat provider cannot do at all.

/**
 * A request feature with no Chat Completions equivalent (a hosted tool, a hosted tool choice).
 * Dropping it with a warning would change what the model can do, so the request is refused instead;
 * the gateway turns this into a 400 naming `param`.
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
