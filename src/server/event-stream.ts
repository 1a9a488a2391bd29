import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultlineEvent } from '../api/events.js';
import type { EventBus } from './events.js';
import type { ProxyCollection } from './state.js';

/** A comment line now and then keeps proxies and load balancers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** A subscriber this far behind is not reading; it is dropped rather than buffered without end. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
/** How often `traffic` events are sampled for a stream that asked for them. */
const TRAFFIC_MS = 1_000;

export interface StreamOptions {
  /** Only this proxy's events; null for all. */
  proxy: string | null;
  /** Add a `traffic` event per proxy every second, read from the counters the data plane keeps. */
  traffic: boolean;
}

function trafficEvents(state: ProxyCollection, only: string | null): FaultlineEvent[] {
  const at = new Date().toISOString();
  const out: FaultlineEvent[] = [];
  for (const p of state.list()) {
    if (only !== null && p.name !== only) continue;
    const up = p.byteTotals('upstream');
    const down = p.byteTotals('downstream');
    out.push({
      at,
      type: 'traffic',
      proxy: p.name,
      connections: p.connections.size,
      bytes: { upstream: { received: up.received, sent: up.sent }, downstream: { received: down.received, sent: down.sent } },
    });
  }
  return out;
}

/** Serves the event bus as Server-Sent Events, optionally only one proxy's events. */
export function streamEvents(events: EventBus, state: ProxyCollection, options: StreamOptions) {
  const { proxy } = options;
  return (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.write(': faultline events\n\n');
    const write = (event: FaultlineEvent): void => {
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
    };
    const unsubscribe = events.subscribe((event: FaultlineEvent) => {
      if (proxy !== null && event.proxy !== proxy) return;
      write(event);
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    // Sampled per stream, only for streams that ask: nothing runs when nobody watches.
    const sampler = options.traffic ? setInterval(() => trafficEvents(state, proxy).forEach(write), TRAFFIC_MS) : undefined;
    sampler?.unref();
    if (options.traffic) trafficEvents(state, proxy).forEach(write);
    const stop = (): void => {
      clearInterval(heartbeat);
      clearInterval(sampler);
      unsubscribe();
    };
    req.on('close', stop);
    res.on('close', stop);
  };
}
