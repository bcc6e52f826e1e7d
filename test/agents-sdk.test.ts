// The real `@openai/agents` SDK against the gateway: a handoff from an agent on OpenAI to one on xAI replays the first agent's reasoning, which xAI must never get.
import { Agent, OpenAIProvider, Runner, handoff, setTracingDisabled } from '@openai/agents';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../transformers/responses-types.js';
import { fixtureReply } from './support/mock-upstream.js';
import { useGatewayWithMock } from './support/test-gateway.js';

// Tracing would send spans to OpenAI whatever the base URL.
process.env.OPENAI_AGENTS_DISABLE_TRACING = '1';
setTracingDisabled(true);

const env = useGatewayWithMock();
let runner: Runner;

beforeAll(() => {
  const modelProvider = new OpenAIProvider({ baseURL: `${env.gateway.url}/v1`, apiKey: 'sk-test-alice', useResponses: true });
  runner = new Runner({ modelProvider, tracingDisabled: true });
});

/** Two agents on two providers: the first (OpenAI) hands off to the second (xAI). */
function agents() {
  const grok = new Agent({ name: 'Grok', instructions: 'Answer.', model: 'grok-code-fast-1' });
  // The recorded OpenAI turn reasons, then calls `calculator`: that call is the handoff.
  const triage = new Agent({
    name: 'Triage',
    instructions: 'Hand off.',
    model: 'gpt-5-mini',
    modelSettings: { reasoning: { effort: 'low', summary: 'auto' } },
    handoffs: [handoff(grok, { toolNameOverride: 'calculator' })],
  });
  return { triage, grok };
}

describe.each([false, true])('@openai/agents, a handoff from an OpenAI agent to an xAI agent (stream: %s)', (stream) => {
  it("reaches xAI with the conversation and without OpenAI's reasoning, and the run completes", async () => {
    env.upstream.reply('/v1/responses', fixtureReply('openai/reasoning-summary-function-call.sse'), fixtureReply('xai/reasoning-summary-text.sse'));
    const before = env.upstream.received.length;
    const { triage, grok } = agents();
    const result = stream ? await runner.run(triage, 'What is 12 + 7?', { stream: true }) : await runner.run(triage, 'What is 12 + 7?');
    if ('completed' in result) {
      for await (const _event of result) {
        // Drained: the run goes on only while its events are read.
      }
      await result.completed;
    }
    expect(result.lastAgent).toBe(grok);
    expect(typeof result.finalOutput).toBe('string');

    const [toOpenAI, toXai] = env.upstream.received.slice(before);
    expect(env.upstream.received.length - before).toBe(2);
    expect(toOpenAI!.json.model).toBe('gpt-5-mini');
    expect(toXai!.json.model).toBe('grok-code-fast-1');
    const openaiReasoning = (result.newItems.map((item) => item.rawItem) as JsonObject[]).find((item) => item.type === 'reasoning');
    expect(openaiReasoning?.id, 'the SDK kept the OpenAI reasoning item').toMatch(/^rs_/);

    const input = toXai!.json.input as JsonObject[];
    // The handoff's call and its output still reach xAI; the reasoning that preceded them does not.
    expect(input.map((item) => item.type ?? 'message')).toContain('function_call');
    expect(input.map((item) => item.type)).toContain('function_call_output');
    expect(input.filter((item) => item.type === 'reasoning' || item.encrypted_content !== undefined)).toEqual([]);
    expect(toXai!.body).not.toContain(String(openaiReasoning!.id));
  });
});
