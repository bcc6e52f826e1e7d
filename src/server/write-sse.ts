// The one SSE writer: `event:` + `data:` per event, one socket write per tick, with backpressure and disconnect handling.
import type { ServerResponse } from 'node:http';
import { UPSTREAM_DATA, type ResponsesEvent } from '../../transformers/responses-types.js';

/**
 * Past this many characters queued, the events are written at once, and the caller is told to wait for the
 * socket: the closing events of a very long output (its text repeated in four events: `.done`, part, item,
 * `response.failed`) are then held one at a time, not all four and their encoded bytes together.
 */
const WRITE_NOW_CHARS = 1024 * 1024;

/**
 * Events produced in one tick (a burst parsed from one upstream chunk) are joined into one string and
 * written once: one write call, one buffer, instead of one per event.
 */
export class SseWriter {
  private pending = '';
  private scheduled = false;
  private drained: Promise<boolean> | undefined;
  private lastWrite = Date.now();
  private heartbeat: NodeJS.Timeout | undefined;

  /** `provider`: the provider serving the run when the stream starts, sent as `x-junction-provider`. */
  constructor(
    private readonly res: ServerResponse,
    provider?: string,
  ) {
    const headers: Record<string, string> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    };
    if (provider !== undefined) headers['x-junction-provider'] = provider;
    res.writeHead(200, headers);
    res.flushHeaders();
  }

  /**
   * Sends an SSE comment line whenever `ms` pass without a write (a run thinking upstream), so that proxies
   * and clients do not take the silence for a dead connection.
   */
  keepAlive(ms: number): void {
    if (ms <= 0) return;
    const beat = () => {
      if (this.closed) return;
      const quiet = Date.now() - this.lastWrite;
      if (quiet >= ms) {
        this.res.write(': keep-alive\n\n');
        this.lastWrite = Date.now();
      }
      this.heartbeat = setTimeout(beat, quiet >= ms ? ms : ms - quiet);
      this.heartbeat.unref();
    };
    this.heartbeat = setTimeout(beat, ms);
    this.heartbeat.unref();
    this.res.once('close', () => clearTimeout(this.heartbeat));
  }

  /** Characters queued but not taken by the socket yet (this writer's and the socket's own buffer). */
  get buffered(): number {
    return this.pending.length + this.res.writableLength;
  }

  /** Queues one event. Returns true to go on, or a promise to await (the socket is full) that says whether the client is still there. */
  push(event: ResponsesEvent): true | Promise<boolean> {
    this.pending += `event: ${event.type}\ndata: ${event[UPSTREAM_DATA] ?? JSON.stringify(event)}\n\n`;
    if (this.pending.length > WRITE_NOW_CHARS) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
    return this.drained ?? true;
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Cuts the connection: the client must see a broken stream, never a clean end without a terminal event. */
  destroy(err: Error): void {
    this.pending = '';
    this.res.destroy(err);
  }

  end(): void {
    clearTimeout(this.heartbeat);
    this.flush();
    if (!this.closed) this.res.end();
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending === '' || this.closed) return;
    const chunk = this.pending;
    this.pending = '';
    this.lastWrite = Date.now();
    if (this.res.write(chunk) || this.drained) return;
    this.drained = new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        this.res.off('drain', onDrain);
        this.res.off('close', onClose);
        this.drained = undefined;
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      this.res.on('drain', onDrain);
      this.res.on('close', onClose);
    });
  };
}
