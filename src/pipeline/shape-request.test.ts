import { describe, expect, it } from 'vitest';
import { shapeRequest } from './shape-request.js';

const defaults = { reasoning: { effort: 'medium', summary: 'auto' }, temperature: 0.2 };

describe('shapeRequest', () => {
  it("fills in defaults under the client's fields, one level deep, and says so", () => {
    const body = { model: 'm', reasoning: { effort: 'high' } };
    const { body: shaped, filled, warnings } = shapeRequest(body, 'm', defaults, []);
    expect(shaped).toEqual({ model: 'm', reasoning: { effort: 'high', summary: 'auto' }, temperature: 0.2 });
    expect(filled.map((w) => w.param)).toEqual(['reasoning.summary', 'temperature']);
    expect(warnings).toEqual([]);
    expect(body).toEqual({ model: 'm', reasoning: { effort: 'high' } });
  });

  it('changes nothing when the client gave every field', () => {
    const body = { model: 'm', reasoning: { effort: 'low', summary: 'detailed' }, temperature: 1 };
    const shaped = shapeRequest(body, 'm', defaults, []);
    expect(shaped.body).toBe(body);
    expect(shaped.filled).toEqual([]);
  });

  it('drops fields the model refuses, by dotted path, and warns only for those the client sent', () => {
    const body = { model: 'm', reasoning: { effort: 'high', summary: 'auto' }, top_p: 1 };
    const { body: shaped, warnings } = shapeRequest(body, 'grok', undefined, ['reasoning.effort', 'top_p', 'presence_penalty']);
    expect(shaped).toEqual({ model: 'm', reasoning: { summary: 'auto' } });
    expect(warnings).toEqual([
      { param: 'reasoning.effort', message: 'left out: models.grok.drop names it (the model refuses it)' },
      { param: 'top_p', message: 'left out: models.grok.drop names it (the model refuses it)' },
    ]);
  });
});
