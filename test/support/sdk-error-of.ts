// Runs an `openai` SDK call that must fail and returns its APIError (any other outcome fails the test).
import OpenAI from 'openai';

export async function errorOf(call: () => Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call();
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}
