// Gateway ids: OpenAI's shape, unguessable, and ordered by creation time (the store's indexes rely on it).
import { describe, expect, it } from 'vitest';
import { inputItemId, newItemId, newResponseId } from './ids.js';

describe('gateway ids', () => {
  it('look like OpenAI ids: a prefix and 48 hex digits', () => {
    expect(newResponseId()).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(newItemId('fc')).toMatch(/^fc_[0-9a-f]{48}$/);
    expect(inputItemId('function_call_output')).toMatch(/^fco_[0-9a-f]{48}$/);
  });

  it('sort by creation time across milliseconds, and differ within one', async () => {
    const first = newResponseId();
    await new Promise((resolve) => setTimeout(resolve, 3));
    const second = newResponseId();
    expect(second > first).toBe(true);
    const burst = new Set(Array.from({ length: 1000 }, () => newResponseId()));
    expect(burst.size).toBe(1000);
  });
});
