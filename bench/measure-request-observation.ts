// `node dist/bench/measure-request-observation.js`: the CPU one request's observation costs (child logger, access log line, metrics), apart from any load, since a shared machine's noise hides a few µs in scenario a.
import { pino } from 'pino';
import { createGatewayMetrics } from '../src/server/gateway-metrics.js';

const ROUNDS = 200_000;
const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
const metrics = createGatewayMetrics();
const usage = { input: 21, output: 3, reasoning: 0, cached: 0 };

/** What observe-requests.ts and countUsage do for one finished request. */
function observeOne(i: number, accessLog: boolean, counted: boolean): void {
  const child = logger.child({ request_id: `req_${i}` });
  const key = `key${i % 5}`;
  if (counted) {
    metrics.request({ route: '/v1/responses', method: 'POST', status: 200, model: 'gpt-4o', provider: 'openai', key }, 0.01, 0.005);
    metrics.tokens(usage, { model: 'gpt-4o', provider: 'openai', key });
  }
  if (accessLog) child.info({ method: 'POST', path: '/v1/responses', route: '/v1/responses', status: 200, key, model: 'gpt-4o', provider: 'openai', duration_ms: 10, tokens: usage }, 'request');
}

for (const [name, accessLog, counted] of [
  ['child logger only', false, false],
  ['+ access log line', true, false],
  ['+ metrics', false, true],
  ['access log and metrics', true, true],
] as const) {
  for (let i = 0; i < ROUNDS / 10; i++) observeOne(i, accessLog, counted); // warm up
  const before = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) observeOne(i, accessLog, counted);
  const used = process.cpuUsage(before);
  process.stdout.write(`${name}: ${((used.user + used.system) / ROUNDS).toFixed(2)} µs CPU per request\n`);
}
