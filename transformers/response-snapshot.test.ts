// The Response object's echo: OpenAI's defaults under the request, upstream over both, and the fields no upstream may null.
import { describe, expect, it } from 'vitest';
import { normalizeEchoedTools } from './normalize-echoed-tools.js';
import { mergeSnapshot, responseSkeleton, type SnapshotOverrides } from './response-snapshot.js';
import type { JsonObject } from './responses-types.js';

const overrides: SnapshotOverrides = { id: 'resp_1', previous_response_id: null, store: true, background: false };
const skeleton = (request: JsonObject) => responseSkeleton(request, { createdAt: 1, model: 'm', overrides });

describe('responseSkeleton', () => {
  it('says usage: null before the end, as OpenAI streams do', () => {
    const response = skeleton({});
    expect(response).toHaveProperty('usage', null);
    expect(response.reasoning).toEqual({ effort: null, summary: null });
  });

  it('echoes the tools normalised and a reasoning request with its summary', () => {
    const response = skeleton({ tools: [{ type: 'function', name: 'f' }], reasoning: { effort: 'low' } });
    expect(response.tools).toEqual([{ type: 'function', description: null, name: 'f', parameters: null, strict: true }]);
    expect(response.reasoning).toEqual({ effort: 'low', summary: null });
  });
});

describe('mergeSnapshot', () => {
  // xai/reasoning-summary-text.sse echoes exactly these nulls.
  const xaiEcho = { temperature: null, top_p: null, user: null, reasoning: { effort: null, summary: null }, tools: [{ type: 'web_search' }] };

  it("keeps the request's temperature and top_p, or OpenAI's defaults, over an upstream's null", () => {
    expect(mergeSnapshot(skeleton({ temperature: 0.2 }), xaiEcho, overrides, [])).toMatchObject({ temperature: 0.2, top_p: 1 });
  });

  it('drops user: null and normalises the tools upstream echoes', () => {
    const merged = mergeSnapshot(skeleton({}), xaiEcho, overrides, []);
    expect(merged).not.toHaveProperty('user');
    expect(merged.tools).toEqual([{ type: 'web_search', filters: null, search_context_size: 'medium', user_location: null }]);
  });

  it('takes what upstream says when it says something (a number, an object), and null where the gateway knew nothing', () => {
    const merged = mergeSnapshot(skeleton({ temperature: 0.2 }), { temperature: 0.7, usage: null, instructions: null }, overrides, []);
    expect(merged).toMatchObject({ temperature: 0.7, usage: null, instructions: null });
  });

  it("gives OpenAI's older reasoning echo ({effort, generate_summary}) the summary field", () => {
    const merged = mergeSnapshot(skeleton({}), { reasoning: { effort: null, generate_summary: null } }, overrides, []);
    expect(merged.reasoning).toEqual({ effort: null, generate_summary: null, summary: null });
  });
});

describe('normalizeEchoedTools', () => {
  it('returns the very array when every tool is already whole (what OpenAI itself echoes)', () => {
    const tools = [
      { type: 'function', description: 'd', name: 'f', parameters: {}, strict: false },
      { type: 'web_search', filters: null, search_context_size: 'medium', user_location: { type: 'approximate', city: null, country: 'US', region: null, timezone: null } },
      { type: 'x_search', allowed_x_handles: ['xai'] },
    ];
    expect(normalizeEchoedTools(tools)).toBe(tools);
  });

  it('fills a function tool the way OpenAI echoes it: "" and missing descriptions as null, strict true unless given', () => {
    expect(normalizeEchoedTools([{ type: 'function', name: 'f', description: '', parameters: { type: 'object' }, defer_loading: true }])).toEqual([
      { type: 'function', description: null, name: 'f', parameters: { type: 'object' }, strict: true, defer_loading: true },
    ]);
    expect(normalizeEchoedTools([{ type: 'function', name: 'f', strict: false }])).toEqual([{ type: 'function', description: null, name: 'f', parameters: null, strict: false }]);
  });

  it('completes a partial user_location and leaves unknown tools as sent', () => {
    const [search, custom] = normalizeEchoedTools([{ type: 'web_search', user_location: { type: 'approximate', country: 'FR' } }, { type: 'custom', name: 'apply_patch' }]) as JsonObject[];
    expect(search).toEqual({ type: 'web_search', filters: null, search_context_size: 'medium', user_location: { type: 'approximate', city: null, country: 'FR', region: null, timezone: null } });
    expect(custom).toEqual({ type: 'custom', name: 'apply_patch' });
  });
});
