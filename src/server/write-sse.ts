// The one SSE writer: `event:` + `data:` per event, straight to the socket, with backpressure and disconnect handling.
import type { ServerResponse } from 'node:http';
import type { ResponsesEvent } from '../../transformers/responses-types.js';

export function startSse(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
}

/** Writes a batch of events; resolves when the socket can take more, false once the client is gone. */
export function writeEvents(res: ServerResponse, events: ResponsesEvent[]): Promise<boolean> | boolean {
  if (res.destroyed || res.writableEnded) return false;
  let chunk = '';
  for (const event of events) chunk += `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
  // Events produced in one tick (a burst from one upstream chunk) leave in one socket write.
  if (res.writableCorked === 0) {
    res.cork();
    process.nextTick(() => res.uncork());
  }
  if (res.write(chunk)) return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
