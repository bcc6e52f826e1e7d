import { describe, expect, it } from 'vitest';
import { encodeReasoningDetails } from '../../transformers/chat/reasoning-details-codec.js';
import { foreignReason, inputProvenance, unresolvableReason, type TargetProvider } from './screen-reasoning.js';

const openai: TargetProvider = { name: 'openai', config: { type: 'openai-responses' } };
const openrouter: TargetProvider = { name: 'openrouter', config: { type: 'chat-completions', quirks: 'openrouter' } };
const local: TargetProvider = { name: 'local', config: { type: 'chat-completions' } };

const fromOpenAI = { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAB-openai' };
const fromChat = { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: encodeReasoningDetails([{ type: 'reasoning.text', text: 'hm' }]) };
const compaction = { type: 'compaction', id: 'cmp_1', encrypted_content: 'gAAAAB-compacted' };
const message = { type: 'message', role: 'user', content: 'hi' };

describe('foreignReason', () => {
  it('sends a provider-bound item of known origin only to the configured provider that made it', () => {
    expect(foreignReason(fromOpenAI, 'openai', openai)).toBeUndefined();
    expect(foreignReason(fromOpenAI, 'openai', { ...openai, name: 'openai-eu' })).toBe('made by provider "openai"');
    expect(foreignReason(compaction, 'openai', openrouter)).toBe('made by provider "openai"');
    expect(foreignReason(message, 'openai', openrouter)).toBeUndefined();
  });

  it("tells the gateway's Chat encoding by its form when the origin is not stored, and leaves other blobs to the client", () => {
    expect(foreignReason(fromChat, null, openai)).toBe('made by a Chat Completions provider');
    expect(foreignReason(fromChat, null, openrouter)).toBeUndefined();
    expect(foreignReason(fromOpenAI, null, openai)).toBeUndefined();
  });
});

describe('unresolvableReason', () => {
  it('withholds only reasoning replayed by id alone with no known maker', () => {
    const byId = { type: 'reasoning', id: 'rs_3', summary: [] };
    expect(unresolvableReason(byId, null)).toMatch(/never stored/);
    expect(unresolvableReason(byId, 'openai')).toBeUndefined();
    expect(unresolvableReason(fromOpenAI, null)).toBeUndefined();
    expect(unresolvableReason({ type: 'reasoning', summary: [] }, null)).toBeUndefined();
  });
});

describe('inputProvenance', () => {
  it('keeps a known maker, else names the provider that could read what was sent to it', () => {
    expect(inputProvenance(fromOpenAI, 'xai', openai)).toBe('xai');
    expect(inputProvenance(fromOpenAI, null, openai)).toBe('openai');
    expect(inputProvenance(fromOpenAI, null, openrouter)).toBeNull();
    expect(inputProvenance(fromChat, null, openrouter)).toBe('openrouter');
    expect(inputProvenance(fromChat, null, local)).toBeNull();
    expect(inputProvenance(message, null, openai)).toBeNull();
  });
});
