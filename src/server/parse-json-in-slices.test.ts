// parseJsonInSlices gives JSON.parse's value, and fails where JSON.parse fails, whatever the text.
import { describe, expect, it } from 'vitest';
import { parseJsonInSlices } from './parse-json-in-slices.js';

const same = async (text: string) => {
  let expected: unknown;
  try {
    expected = JSON.parse(text);
  } catch {
    await expect(parseJsonInSlices(text), text).rejects.toThrow(SyntaxError);
    return;
  }
  expect(await parseJsonInSlices(text), text).toEqual(expected);
};

describe('parseJsonInSlices', () => {
  it('agrees with JSON.parse on lists, strings that look like structure, and other keys', async () => {
    const cases = [
      '{"model":"m","input":[{"type":"message","content":"a, b ] } [ {"},{"x":[1,[2,{"y":"]"}]]}],"store":true}',
      ' { "input" : [ 1 , "two" , null , true , {"a":{"b":[]}} ] } ',
      '{"input":[]}',
      '{"input":[ ]}',
      '{"input":"text"}',
      '{"input":null}',
      '{"model":"input","input":["input"]}',
      '{"nested":{"input":[1,2]},"input":[3]}',
      '{"input":[1],"input":[2]}',
      '{"input":["quote \\" and backslash \\\\","\\\\\\"",  "é漢😀"],"instructions":"\\"input\\":[9]"}',
      '{"a":"\\\\","input":[{"k":"\\\\\\\\"}]}',
      '[{"input":[1]}]',
      '{"input":[1,]}',
      '{"input":[,1]}',
      '{"input":[1 2]}',
      '{"input":[1],}',
      '{"input":[{"a":1]]}',
      '{"input":["unterminated]}',
      '{"input":[1]',
      '{"input":[1]} trailing',
      '{"input":[01]}',
    ];
    for (const text of cases) await same(text);
  });

  it('parses a long list across turns of the event loop', async () => {
    const input = Array.from({ length: 5000 }, (_, i) => ({ type: 'message', role: 'user', content: `${i} ${'x'.repeat(500)} "]}` }));
    const text = JSON.stringify({ model: 'm', input, stream: true });
    let turns = 0;
    let parsing = true;
    const count = () => {
      if (!parsing) return;
      turns++;
      setImmediate(count);
    };
    count();
    const parsed = await parseJsonInSlices(text);
    parsing = false;
    expect(parsed).toEqual(JSON.parse(text));
    expect(turns).toBeGreaterThan(3);
  });
});
