// Request mapping rows for the envelope and the parameters, and comparisons with request bodies upstreams accepted.
import { describe, expect, it } from 'vitest';
import { readFixtureJson } from './chat-fixtures.test-support.js';
import { toChatRequest } from './to-chat-request.js';
import { convert, openrouter } from './to-chat-request.test-support.js';

describe('toChatRequest: envelope', () => {
  it('replaces model, always streams with usage, and says nothing about model/input/stream/store/include', () => {
    const { body, warnings } = convert({ input: 'Hi', stream: false, store: true, include: ['reasoning.encrypted_content'] });
    expect(body).toEqual({
      model: 'served-model',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(warnings).toEqual([]);
  });

  it('null fields mean "not asked for": no output, no warning', () => {
    const { body, warnings } = convert({
      input: 'Hi',
      instructions: null,
      previous_response_id: null,
      tools: null,
      tool_choice: null,
      text: null,
      reasoning: null,
      metadata: null,
      temperature: null,
    });
    expect(Object.keys(body)).toEqual(['model', 'messages', 'stream', 'stream_options']);
    expect(warnings).toEqual([]);
  });
});


describe('toChatRequest: parameters', () => {
  it('text.format json_schema → response_format.json_schema (name, schema, strict, description)', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const { body } = convert({
      input: 'Q',
      text: { format: { type: 'json_schema', name: 'answer', schema, strict: true, description: 'The answer' } },
    });
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema, strict: true, description: 'The answer' },
    });
  });

  it('text.format json_object → response_format json_object; text → nothing', () => {
    expect(convert({ input: 'Q', text: { format: { type: 'json_object' } } }).body.response_format).toEqual({
      type: 'json_object',
    });
    const plain = convert({ input: 'Q', text: { format: { type: 'text' } } });
    expect(plain.body.response_format).toBeUndefined();
    expect(plain.warnings).toEqual([]);
  });

  it('text.verbosity → verbosity on OpenRouter; elsewhere a warning', () => {
    expect(convert({ input: 'Q', text: { verbosity: 'low' } }, openrouter).body.verbosity).toBe('low');
    const { body, warnings } = convert({ input: 'Q', text: { verbosity: 'low' } });
    expect(body.verbosity).toBeUndefined();
    expect(warnings.map((warning) => warning.param)).toEqual(['text.verbosity']);
  });

  it('max_output_tokens → max_tokens (generic) / max_completion_tokens (OpenRouter)', () => {
    expect(convert({ input: 'Q', max_output_tokens: 100 }).body).toMatchObject({ max_tokens: 100 });
    const routed = convert({ input: 'Q', max_output_tokens: 100 }, openrouter).body;
    expect(routed).toMatchObject({ max_completion_tokens: 100 });
    expect(routed.max_tokens).toBeUndefined();
  });

  it('temperature, top_p, stop, seed and the penalties pass as they are', () => {
    const sampling = { temperature: 0.2, top_p: 0.9, stop: ['\n'], seed: 7, frequency_penalty: 0.1, presence_penalty: 0.3 };
    const { body, warnings } = convert({ input: 'Q', ...sampling });
    expect(body).toMatchObject(sampling);
    expect(warnings).toEqual([]);
  });

  it('top_logprobs → logprobs: true + top_logprobs', () => {
    expect(convert({ input: 'Q', top_logprobs: 3 }).body).toMatchObject({ logprobs: true, top_logprobs: 3 });
  });

  it('metadata: kept for OpenRouter, warned and dropped elsewhere', () => {
    expect(convert({ input: 'Q', metadata: { a: '1' } }, openrouter).body.metadata).toEqual({ a: '1' });
    const { body, warnings } = convert({ input: 'Q', metadata: { a: '1' } });
    expect(body.metadata).toBeUndefined();
    expect(warnings.map((warning) => warning.param)).toEqual(['metadata']);
  });

  it('user / safety_identifier → user (safety_identifier wins, the other is warned)', () => {
    expect(convert({ input: 'Q', user: 'u1' }).body.user).toBe('u1');
    expect(convert({ input: 'Q', safety_identifier: 's1' }).body.user).toBe('s1');
    const both = convert({ input: 'Q', user: 'u1', safety_identifier: 's1' });
    expect(both.body.user).toBe('s1');
    expect(both.warnings.map((warning) => warning.param)).toEqual(['user']);
  });

  it('reasoning.effort → OpenRouter reasoning.effort / generic reasoning_effort', () => {
    expect(convert({ input: 'Q', reasoning: { effort: 'high', summary: 'auto' } }, openrouter).body.reasoning).toEqual({
      effort: 'high',
    });
    const { body, warnings } = convert({ input: 'Q', reasoning: { effort: 'low' } });
    expect(body.reasoning_effort).toBe('low');
    expect(body.reasoning).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('reasoning.summary alone → OpenRouter reasoning.enabled; generic: a warning', () => {
    expect(convert({ input: 'Q', reasoning: { summary: 'detailed' } }, openrouter).body.reasoning).toEqual({ enabled: true });
    const { body, warnings } = convert({ input: 'Q', reasoning: { summary: 'detailed' } });
    expect(body.reasoning).toBeUndefined();
    expect(warnings.map((warning) => warning.param)).toEqual(['reasoning.summary']);
  });

  it('other reasoning / text sub-fields are warned with their dotted path', () => {
    const { warnings } = convert({ input: 'Q', reasoning: { effort: 'low', mode: 'x' }, text: { format: { type: 'text' }, extra: 1 } });
    expect(warnings.map((warning) => warning.param).sort()).toEqual(['reasoning.mode', 'text.extra']);
  });

  it('fields the gateway handles itself are not sent, without a warning', () => {
    const { body, warnings } = convert({ input: 'Q', background: true, previous_response_id: 'resp_1', conversation: 'conv_1', store: true, include: [] });
    for (const key of ['background', 'previous_response_id', 'conversation', 'store', 'include']) expect(body).not.toHaveProperty(key);
    expect(warnings).toEqual([]);
  });

  it('fields with no Chat equivalent are not sent, each with its own warning', () => {
    const notSent = {
      truncation: 'auto',
      service_tier: 'flex',
      prompt_cache_key: 'k',
      stream_options: { include_obfuscation: false },
      prompt: { id: 'pmpt_1' },
      context_management: [{ type: 'compaction' }],
      client_metadata: { a: 1 },
      max_tool_calls: 3,
      something_new: true,
    };
    const { body, warnings } = convert({ input: 'Q', ...notSent });
    const { stream_options: _clientStreamOptions, ...others } = notSent;
    for (const key of Object.keys(others)) expect(body).not.toHaveProperty(key);
    // The gateway's own stream_options, not the client's.
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(warnings.map((warning) => warning.param)).toEqual(Object.keys(notSent));
  });
});


describe('toChatRequest matches request bodies that upstreams really accepted', () => {
  it('openai/chat-tool-calls.request.json', () => {
    const recorded = readFixtureJson('openai/chat-tool-calls.request.json');
    const parameters = {
      additionalProperties: false,
      properties: { country: { type: 'string' } },
      required: ['country'],
      type: 'object',
    };
    const { body } = toChatRequest(
      {
        model: 'gpt-4o-mini',
        input: 'What is the capital of the UK? Use the tool, then answer.',
        tool_choice: 'auto',
        tools: [{ type: 'function', name: 'get_capital', description: '', parameters, strict: true }],
      },
      { upstreamModel: 'gpt-4o-mini' },
    );
    expect(body).toEqual(recorded);
  });

  it('openrouter/chat-length-midstream-error.request.json (max_completion_tokens)', () => {
    const recorded = readFixtureJson('openrouter/chat-length-midstream-error.request.json');
    const { body } = toChatRequest(
      { model: 'm', input: [{ role: 'user', content: 'Hello there' }], max_output_tokens: 10 },
      { upstreamModel: 'minimax/minimax-m2:free', quirks: 'openrouter' },
    );
    expect(body).toEqual(recorded);
  });

  it('openrouter/chat-reasoning-anthropic.request.json (reasoning enabled)', () => {
    const recorded = readFixtureJson('openrouter/chat-reasoning-anthropic.request.json');
    const { body } = toChatRequest(
      { model: 'm', input: 'What is 2+2?', reasoning: { summary: 'auto' } },
      { upstreamModel: 'anthropic/claude-sonnet-4.5', quirks: 'openrouter' },
    );
    expect(body).toEqual(recorded);
  });
});
