// The terminal's log format: one readable line per JSON line, fields as key=value, anything else passed on.
import { describe, expect, it } from 'vitest';
import { formatLogLine } from './format-log-line.js';

describe('formatLogLine', () => {
  it('puts time, level and message first, then the fields, quoting only what needs it', () => {
    const line = JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 1, 12, 0, 1, 234), pid: 1, hostname: 'h', msg: 'request', request_id: 'req_1', status: 200, path: '/v1/responses', tokens: { input: 21 }, err: 'two words' });
    expect(formatLogLine(`${line}\n`)).toBe('12:00:01.234 INFO  request request_id=req_1 status=200 path=/v1/responses tokens={"input":21} err="two words"\n');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLogLine('not json\n')).toBe('not json\n');
  });
});
