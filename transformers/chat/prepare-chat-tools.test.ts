// Request mapping rows for tools (function, custom, namespace, hosted), tool_choice and parallel_tool_calls, through toChatRequest.
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
    'tool_search',
  ])('a hosted "%s" tool is not sent, with a warning naming tools[i]; the function tools still are', (type) => {
    const { body, warnings } = convert({ input: 'Q', tools: [weather, { type }], tool_choice: 'auto' });
    expect(body.tools).toEqual([chatWeather]);
    expect(body.tool_choice).toBe('auto');
    expect(body.plugins).toBeUndefined();
    expect(warnings.map((warning) => warning.param)).toEqual(['tools[1]']);
    expect(warnings[0].message).toContain(type);
  });

  it('a tool that is not an object with a type is refused naming tools[i]', () => {
    expect(thrown(() => convert({ input: 'Q', tools: [weather, 'weather'] })).param).toBe('tools[1]');
  });

  it('OpenRouter: web_search / web_search_preview become the web plugin (once); their options are warned', () => {
    const { body, warnings } = convert(
      { input: 'Q', tools: [{ type: 'web_search' }, { type: 'web_search_preview', search_context_size: 'high' }] },
      openrouter,
    );
    expect(body.plugins).toEqual([{ id: 'web' }]);
    expect(body.tools).toBeUndefined();
    expect(warnings.map((warning) => warning.param)).toEqual(['tools[1].search_context_size']);
    // Other hosted tools are dropped on OpenRouter too.
    const other = convert({ input: 'Q', tools: [{ type: 'file_search' }] }, openrouter);
    expect(other.body.plugins).toBeUndefined();
    expect(other.warnings.map((warning) => warning.param)).toEqual(['tools[0]']);
  });

  it('OpenRouter: web_search with external_web_access false (cached only) never becomes the live web plugin', () => {
    const { body, warnings } = convert({ input: 'Q', tools: [weather, { type: 'web_search', external_web_access: false }] }, openrouter);
    expect(body.plugins).toBeUndefined();
    expect(body.tools).toEqual([chatWeather]);
    expect(warnings.map((warning) => warning.param)).toEqual(['tools[1]']);
    expect(warnings[0].message).toContain('external_web_access');
    const live = convert({ input: 'Q', tools: [{ type: 'web_search', external_web_access: true }] }, openrouter);
    expect(live.body.plugins).toEqual([{ id: 'web' }]);
    expect(live.warnings).toEqual([]);
  });

  it('a namespace is flattened into functions named <namespace>__<name>, mapped back through toolCalls', () => {
    const { body, warnings, toolCalls } = convert({
      input: 'Q',
      tools: [
        weather,
        {
          type: 'namespace',
          name: 'crm',
          description: 'Customer records.',
          tools: [
            { type: 'function', name: 'lookup', description: 'Find a customer', parameters: { type: 'object', properties: {} }, strict: false },
            { type: 'custom', name: 'note' },
          ],
        },
      ],
    });
    expect(body.tools).toEqual([
      chatWeather,
      { type: 'function', function: { name: 'crm__lookup', description: 'Find a customer', parameters: { type: 'object', properties: {} }, strict: false } },
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'crm__note' }) }),
    ]);
    expect(warnings).toEqual([]);
    expect([...toolCalls]).toEqual([
      ['crm__lookup', { name: 'lookup', namespace: 'crm', kind: 'function' }],
      ['crm__note', { name: 'note', namespace: 'crm', kind: 'custom' }],
    ]);
  });

  it('synthetic: a flattened name past 64 characters is cut, with a hash of the whole, and still mapped back', () => {
    const namespace = 'mcp__a_very_long_model_context_protocol_server_name';
    const { body, warnings, toolCalls } = convert({
      input: 'Q',
      tools: [
        {
          type: 'namespace',
          name: namespace,
          description: 'A server.',
          tools: [
            { type: 'function', name: 'search_the_issue_tracker', parameters: { type: 'object', properties: {} }, strict: false },
            { type: 'function', name: 'search_the_issue_tracker_again', parameters: { type: 'object', properties: {} }, strict: false },
          ],
        },
      ],
    });
    const names = (body.tools as { function: { name: string } }[]).map((tool) => tool.function.name);
    for (const name of names) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(names[0]).toBe(`${`${namespace}__search_the_issue_tracker`.slice(0, 55)}_${names[0]!.slice(-8)}`);
    expect(names[0]).toMatch(/_[0-9a-f]{8}$/);
    expect(new Set(names).size).toBe(2);
    expect(warnings).toEqual([]);
    expect(toolCalls.get(names[0]!)).toEqual({ name: 'search_the_issue_tracker', namespace, kind: 'function' });
    expect(toolCalls.get(names[1]!)).toEqual({ name: 'search_the_issue_tracker_again', namespace, kind: 'function' });
  });

  it('a custom tool is a function of one string, `input`; a grammar it declares is in the description', () => {
    const { body, toolCalls } = convert({
      input: 'Q',
      tools: [
        { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
        { type: 'custom', name: 'free', format: { type: 'text' } },
      ],
    });
    const howToCall = 'Call this tool with its whole input as the string argument "input".';
    const parameters = {
      type: 'object',
      properties: { input: { type: 'string', description: 'The raw input to the tool, as free text.' } },
      required: ['input'],
      additionalProperties: false,
    };
    expect(body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'apply_patch',
          description: `Edit files.\n\nThe input must follow this lark grammar:\nstart: "x"\n\n${howToCall}`,
          parameters,
        },
      },
      { type: 'function', function: { name: 'free', description: howToCall, parameters } },
    ]);
    expect(toolCalls.get('apply_patch')).toEqual({ name: 'apply_patch', kind: 'custom' });
  });

  it('a flattened name that another tool already has is not sent twice: the later one is warned', () => {
    const { body, warnings } = convert({
      input: 'Q',
      tools: [
        { type: 'function', name: 'a__b' },
        { type: 'namespace', name: 'a', description: 'A', tools: [{ type: 'function', name: 'b' }] },
      ],
    });
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'a__b' } }]);
    expect(warnings.map((warning) => warning.param)).toEqual(['tools[1].tools[0]']);
  });

  it('a client-executed tool_search is the function tool_search; tools a tool_search_output loaded are sent too', () => {
    const search = { type: 'tool_search', execution: 'client', description: 'Find tools.', parameters: { type: 'object', properties: { query: { type: 'string' } } } };
    const calendar = { type: 'namespace', name: 'calendar', description: 'Calendar', tools: [{ type: 'function', name: 'create_event', defer_loading: true }] };
    const output = { type: 'tool_search_output', call_id: 'call_s', execution: 'client', status: 'completed', tools: [calendar] };
    const { body, warnings, toolCalls } = convert({
      input: [{ role: 'user', content: 'Book it.' }, { type: 'tool_search_call', call_id: 'call_s', execution: 'client', arguments: { query: 'calendar' } }, output, output],
      tools: [weather, search],
    });
    expect(body.tools).toEqual([
      chatWeather,
      { type: 'function', function: { name: 'tool_search', parameters: search.parameters, description: 'Find tools.' } },
      { type: 'function', function: { name: 'calendar__create_event' } },
    ]);
    expect(toolCalls.get('tool_search')).toEqual({ name: 'tool_search', kind: 'tool_search' });
    expect(toolCalls.get('calendar__create_event')).toEqual({ name: 'create_event', namespace: 'calendar', kind: 'function' });
    // Loaded twice, sent once, without a warning: the name is the same tool's, and defer_loading is spent.
    expect(warnings).toEqual([]);
  });

  it('a server-executed tool_search (OpenAI\'s hosted one) is dropped like other hosted tools', () => {
    const { body, warnings } = convert({ input: 'Q', tools: [weather, { type: 'tool_search', execution: 'server' }] });
    expect(body.tools).toEqual([chatWeather]);
    expect(warnings.map((warning) => warning.param)).toEqual(['tools[1]']);
  });

  it('tool_choice of a namespaced function or a custom tool names its Chat function; allowed_tools may name a namespace', () => {
    const tools = [
      weather,
      { type: 'custom', name: 'apply_patch' },
      { type: 'namespace', name: 'crm', description: 'CRM', tools: [{ type: 'function', name: 'lookup' }, { type: 'function', name: 'save' }] },
    ];
    const named = convert({ input: 'Q', tools, tool_choice: { type: 'function', name: 'lookup', namespace: 'crm' } });
    expect(named.body.tool_choice).toEqual({ type: 'function', function: { name: 'crm__lookup' } });
    const custom = convert({ input: 'Q', tools, tool_choice: { type: 'custom', name: 'apply_patch' } });
    expect(custom.body.tool_choice).toEqual({ type: 'function', function: { name: 'apply_patch' } });
    const allowed = convert({
      input: 'Q',
      tools,
      tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'namespace', name: 'crm' }, { type: 'custom', name: 'apply_patch' }] },
    });
    const names = (allowed.body.tools as { function: { name: string } }[]).map((tool) => tool.function.name);
    expect(names).toEqual(['apply_patch', 'crm__lookup', 'crm__save']);
  });

  it('tool_choice "required" with only hosted tools (all dropped) is refused: nothing is left to call', () => {
    expect(thrown(() => convert({ input: 'Q', tools: [{ type: 'file_search' }], tool_choice: 'required' })).param).toBe('tool_choice');
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

