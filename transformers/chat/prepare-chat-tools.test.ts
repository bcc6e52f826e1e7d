// Request mapping rows for tools, tool_choice and parallel_tool_calls (through toChatRequest), warnings and refusals.
import { describe, expect, it } from 'vitest';
import { convert, openrouter, thrown } from './to-chat-request.test-support.js';

describe('toChatRequest: tools and tool_choice', () => {
  const weather = {
    type: 'function',
    name: 'weather',
    description: 'Get weather',
    parameters: { type: 'object', properties: {} },
    strict: true,
  };
  const chatWeather = {
    type: 'function',
    function: { name: 'weather', description: 'Get weather', parameters: { type: 'object', properties: {} }, strict: true },
  };

  it('function tools take the nested Chat shape; null/absent fields are left out; unknown fields warned', () => {
    const { body, warnings } = convert({
      input: 'Q',
      tools: [weather, { type: 'function', name: 'bare', parameters: null, strict: null, defer_loading: true }],
    });
    expect(body.tools).toEqual([chatWeather, { type: 'function', function: { name: 'bare' } }]);
    expect(warnings.map((warning) => warning.param)).toEqual(['tools[1].defer_loading']);
  });

  it.each([
    'web_search',
    'web_search_preview',
    'file_search',
    'code_interpreter',
    'computer_use_preview',
    'image_generation',
    'mcp',
    'local_shell',
    'shell',
    'apply_patch',
    'custom',
    'tool_search',
  ])('a hosted "%s" tool is refused with UnsupportedFeatureError naming tools[i]', (type) => {
    const error = thrown(() => convert({ input: 'Q', tools: [weather, { type }] }));
    expect(error.param).toBe('tools[1]');
    expect(error.message).toContain(type);
  });

  it('OpenRouter: web_search / web_search_preview become the web plugin (once); their options are warned', () => {
    const { body, warnings } = convert(
      { input: 'Q', tools: [{ type: 'web_search' }, { type: 'web_search_preview', search_context_size: 'high' }] },
      openrouter,
    );
    expect(body.plugins).toEqual([{ id: 'web' }]);
    expect(body.tools).toBeUndefined();
    expect(warnings.map((warning) => warning.param)).toEqual(['tools[1].search_context_size']);
    // Other hosted tools are still refused on OpenRouter.
    expect(thrown(() => convert({ input: 'Q', tools: [{ type: 'file_search' }] }, openrouter)).param).toBe('tools[0]');
  });

  it('tool_choice none/auto/required pass as they are; a function choice takes the Chat shape', () => {
    for (const choice of ['none', 'auto', 'required']) {
      expect(convert({ input: 'Q', tools: [weather], tool_choice: choice }).body.tool_choice).toBe(choice);
    }
    const named = convert({ input: 'Q', tools: [weather], tool_choice: { type: 'function', name: 'weather' } });
    expect(named.body.tool_choice).toEqual({ type: 'function', function: { name: 'weather' } });
  });

  it('allowed_tools: the mode is sent and the tools are filtered to the allowed ones', () => {
    const other = { type: 'function', name: 'other' };
    const { body, warnings } = convert({
      input: 'Q',
      tools: [weather, other],
      tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'weather' }] },
    });
    expect(body.tools).toEqual([chatWeather]);
    expect(body.tool_choice).toBe('required');
    expect(warnings).toEqual([]);
  });

  it('a hosted-tool choice is refused; on OpenRouter a web_search choice is dropped with a warning', () => {
    expect(thrown(() => convert({ input: 'Q', tools: [weather], tool_choice: { type: 'file_search' } })).param).toBe(
      'tool_choice',
    );
    const { body, warnings } = convert(
      { input: 'Q', tools: [weather, { type: 'web_search' }], tool_choice: { type: 'web_search_preview' } },
      openrouter,
    );
    expect(body.tool_choice).toBeUndefined();
    expect(warnings.map((warning) => warning.param)).toEqual(['tool_choice']);
  });

  it('parallel_tool_calls passes as is', () => {
    expect(convert({ input: 'Q', tools: [weather], parallel_tool_calls: false }).body.parallel_tool_calls).toBe(false);
  });

  it('tool_choice / parallel_tool_calls without any function tool are not sent, with warnings', () => {
    const { body, warnings } = convert({ input: 'Q', tool_choice: 'auto', parallel_tool_calls: true });
    expect(body.tool_choice).toBeUndefined();
    expect(body.parallel_tool_calls).toBeUndefined();
    expect(warnings.map((warning) => warning.param)).toEqual(['tool_choice', 'parallel_tool_calls']);
  });
});

