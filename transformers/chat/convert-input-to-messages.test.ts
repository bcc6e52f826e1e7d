// Request mapping rows for input → messages (through toChatRequest), with the warnings each row produces.
import { describe, expect, it } from 'vitest';
import { encodeReasoningDetails } from './reasoning-details-codec.js';
import { convert, messagesOf, openrouter } from './to-chat-request.test-support.js';

describe('toChatRequest: input → messages', () => {
  it('instructions become a leading system message', () => {
    expect(messagesOf({ instructions: 'Be brief.', input: 'Hi' })).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
  });

  it('a string input is one user message', () => {
    expect(messagesOf({ input: 'Hello' })).toEqual([{ role: 'user', content: 'Hello' }]);
  });

  it('EasyInputMessage and type:"message" items both become messages; developer becomes system', () => {
    const messages = messagesOf({
      input: [
        { role: 'developer', content: 'Rules.' },
        { role: 'user', content: 'Q1' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'A1', annotations: [] }] },
        { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'One' }, { type: 'input_text', text: 'Two' }] },
      ],
    });
    expect(messages).toEqual([
      { role: 'system', content: 'Rules.' },
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
      { role: 'system', content: 'One\nTwo' },
    ]);
  });

  it('input_text parts become text parts (a lone one a plain string)', () => {
    const lone = messagesOf({ input: [{ role: 'user', content: [{ type: 'input_text', text: 'Only' }] }] });
    expect(lone).toEqual([{ role: 'user', content: 'Only' }]);
    const two = messagesOf({
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'A' }, { type: 'input_text', text: 'B' }] }],
    });
    expect(two).toEqual([{ role: 'user', content: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }] }]);
  });

  it('input_image with a URL becomes image_url; a file_id-only image is dropped with a warning', () => {
    const { body, warnings } = convert({
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look' },
            { type: 'input_image', image_url: 'https://x/cat.png', detail: 'low' },
            { type: 'input_image', file_id: 'file-123', detail: 'auto' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'original' },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image_url', image_url: { url: 'https://x/cat.png', detail: 'low' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
    ]);
    expect(warnings.map((warning) => warning.param)).toEqual(['input[0].content[2]', 'input[0].content[3].detail']);
  });

  it('input_file becomes a file part (file_data, file_id, or a URL in file_data: best effort)', () => {
    const { body, warnings } = convert({
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_file', file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' },
            { type: 'input_file', file_id: 'file-9' },
            { type: 'input_file', file_url: 'https://x/b.pdf' },
            { type: 'input_file' },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' } },
          { type: 'file', file: { file_id: 'file-9' } },
          { type: 'file', file: { file_data: 'https://x/b.pdf' } },
        ],
      },
    ]);
    expect(warnings.map((warning) => warning.param)).toEqual(['input[0].content[3]']);
  });

  it('assistant output_text and refusal parts become the assistant string content', () => {
    const messages = messagesOf({
      input: [
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Part one.' },
            { type: 'refusal', refusal: 'I cannot do the rest.' },
          ],
        },
      ],
    });
    expect(messages).toEqual([{ role: 'assistant', content: 'Part one.\nI cannot do the rest.' }]);
  });

  it('function_call items: parallel calls share one assistant message, merged with the text right before', () => {
    const messages = messagesOf({
      input: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_2', name: 'weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'Sunny' },
        { type: 'function_call_output', call_id: 'call_2', output: 'Rain' },
        { type: 'function_call', call_id: 'toolu_3', name: 'weather', arguments: '{}' },
      ],
    });
    expect(messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: 'Rain' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'toolu_3', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      },
    ]);
  });

  it('a namespaced function_call is a tool call of the flattened name; custom_tool_call / _output are a call and a tool message', () => {
    const messages = messagesOf({
      input: [
        { role: 'user', content: 'Go' },
        { type: 'function_call', call_id: 'call_1', namespace: 'multi_agent_v1', name: 'spawn_agent', arguments: '{"task":"x"}' },
        { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch' },
        { type: 'function_call_output', call_id: 'call_1', output: 'spawned' },
        { type: 'custom_tool_call_output', call_id: 'call_2', output: 'Done!' },
      ],
    });
    expect(messages).toEqual([
      { role: 'user', content: 'Go' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'multi_agent_v1__spawn_agent', arguments: '{"task":"x"}' } },
          { id: 'call_2', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'spawned' },
      { role: 'tool', tool_call_id: 'call_2', content: 'Done!' },
    ]);
  });

  it('a client tool_search_call is a tool_search call; its tool_search_output a tool message naming the loaded tools', () => {
    const { body, warnings } = convert({
      input: [
        { type: 'tool_search_call', id: 'tsc_1', call_id: 'call_s', execution: 'client', arguments: { query: 'calendar' }, status: 'completed' },
        {
          type: 'tool_search_output',
          call_id: 'call_s',
          execution: 'client',
          status: 'completed',
          tools: [{ type: 'namespace', name: 'calendar', description: 'C', tools: [{ type: 'function', name: 'create_event' }] }, { type: 'function', name: 'ping' }],
        },
        { type: 'tool_search_call', id: 'tsc_2', call_id: null, execution: 'server', arguments: {} },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_s', type: 'function', function: { name: 'tool_search', arguments: '{"query":"calendar"}' } }] },
      { role: 'tool', tool_call_id: 'call_s', content: 'Tools loaded: calendar__create_event, ping.' },
    ]);
    expect(warnings.map((warning) => warning.param)).toEqual(['input[2]']);
  });

  it('function_call_output given as parts joins the text parts; other parts are dropped with a warning', () => {
    const { body, warnings } = convert({
      input: [
        {
          type: 'function_call_output',
          call_id: 'call_1',
          output: [
            { type: 'input_text', text: 'line 1' },
            { type: 'input_image', image_url: 'https://x/y.png' },
            { type: 'input_text', text: 'line 2' },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([{ role: 'tool', tool_call_id: 'call_1', content: 'line 1\nline 2' }]);
    expect(warnings.map((warning) => warning.param)).toEqual(['input[0].output[1]']);
  });

  it('reasoning items (OpenRouter) become reasoning_details on the following assistant message', () => {
    const details = [{ type: 'reasoning.encrypted', data: 'enc', format: 'openai-responses-v1', index: 0 }];
    const { body, warnings } = convert(
      {
        input: [
          { role: 'user', content: 'Q' },
          { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: encodeReasoningDetails(details) },
          { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' },
        ],
      },
      openrouter,
    );
    expect(body.messages).toEqual([
      { role: 'user', content: 'Q' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        reasoning_details: details,
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it('a reasoning item after its turn’s output (late details) joins that turn’s assistant message', () => {
    const late = [{ type: 'reasoning.encrypted', data: 'sig', index: 1 }];
    const messages = messagesOf(
      {
        input: [
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi' }] },
          { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: encodeReasoningDetails(late) },
          { role: 'user', content: 'Next' },
        ],
      },
      openrouter,
    );
    expect(messages).toEqual([
      { role: 'assistant', content: 'Hi', reasoning_details: late },
      { role: 'user', content: 'Next' },
    ]);
  });

  it('reasoning items that cannot be sent are dropped with a warning naming input[i]', () => {
    const encrypted = encodeReasoningDetails([{ type: 'reasoning.text', text: 't', index: 0 }]);
    const reasoning = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: encrypted };
    const answer = { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'A' }] };
    // No quirk: Chat servers take no reasoning back.
    const plain = convert({ input: [reasoning, answer] });
    expect(plain.body.messages).toEqual([{ role: 'assistant', content: 'A' }]);
    expect(plain.warnings.map((warning) => warning.param)).toEqual(['input[0]']);
    // OpenRouter, but the encrypted_content is OpenAI's, not ours.
    const foreign = convert({ input: [{ ...reasoning, encrypted_content: 'gAAAAB-openai' }, answer] }, openrouter);
    expect(foreign.warnings.map((warning) => warning.param)).toEqual(['input[0]']);
    // OpenRouter, but no assistant message in the turn.
    const orphan = convert({ input: [reasoning, { role: 'user', content: 'Q' }] }, openrouter);
    expect(orphan.body.messages).toEqual([{ role: 'user', content: 'Q' }]);
    expect(orphan.warnings.map((warning) => warning.param)).toEqual(['input[0]']);
  });

  it('other item types (hosted tool calls, unresolved references) are dropped with a warning naming input[i]', () => {
    const { body, warnings } = convert({
      input: [
        { role: 'user', content: 'Q' },
        { type: 'web_search_call', id: 'ws_1', status: 'completed', action: {} },
        { type: 'item_reference', id: 'msg_1' },
        { type: 'function_call', name: 'missing_call_id' },
      ],
    });
    expect(body.messages).toEqual([{ role: 'user', content: 'Q' }]);
    expect(warnings.map((warning) => warning.param)).toEqual(['input[1]', 'input[2]', 'input[3]']);
    expect(warnings[0].message).toContain('web_search_call');
  });

  it('an assistant message phase cannot be carried: warning', () => {
    const { warnings } = convert({ input: [{ role: 'assistant', content: 'x', phase: 'commentary' }] });
    expect(warnings.map((warning) => warning.param)).toEqual(['input[0].phase']);
  });
});

