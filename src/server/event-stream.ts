import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultlineEvent } from '../api/events.js';
import type { EventBus } from './events.js';

/** A comment line now and then keeps proxies and load balancers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A subscriber this far behind is not reading; it is dropped rather than buffered without end. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

/** Serves the event bus as Server-Sent Events, optionally only one proxy's events. */
export function streamEvents(events: EventBus, proxy: string | null) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.write(': faultline events\n\n');
    const unsubscribe = events.subscribe((event: FaultlineEvent) => {
      if (proxy !== null && event.proxy !== proxy) return;
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const stop = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    req.on('close', stop);
    res.on('close', stop);
  };
}
