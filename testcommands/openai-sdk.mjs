// Exercises a running gateway with the openai SDK, unchanged but for its base URL: create, stream helper, a chain, retrieve, delete.
// Usage: JUNCTION_URL=http://127.0.0.1:4000 JUNCTION_API_KEY=... MODEL=gpt-5-nano node testcommands/openai-sdk.mjs
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: `${process.env.JUNCTION_URL ?? 'http://127.0.0.1:4000'}/v1`, apiKey: process.env.JUNCTION_API_KEY ?? 'none' });
const model = process.env.MODEL ?? 'gpt-5-nano';

const first = await client.responses.create({ model, input: 'Pick a number from 1 to 10. Answer with the number only.' });
console.log('create:', first.id, first.status, JSON.stringify(first.output_text));

const stream = client.responses.stream({ model, previous_response_id: first.id, input: 'Double it.' });
let events = 0;
for await (const _event of stream) events++;
const second = await stream.finalResponse();
console.log('stream:', second.id, second.status, `${events} events`, JSON.stringify(second.output_text), 'usage', JSON.stringify(second.usage));

const again = await client.responses.retrieve(second.id);
// The stream helper rebuilds output from deltas (its key order, plus `output_parsed`); compare what it says.
const same = again.id === second.id && again.output_text === second.output_text && JSON.stringify(again.usage) === JSON.stringify(second.usage);
console.log('retrieve matches the stream:', same);
const items = await client.responses.inputItems.list(second.id);
console.log('input items:', items.data.map((i) => i.type).join(', '));
await client.responses.delete(first.id);
await client.responses.retrieve(first.id).then(
  () => console.log('deleted response still there!'),
  (err) => console.log('after delete:', err.status),
);
