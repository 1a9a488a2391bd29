import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * A node:http target in its own process, so that serving does not take the load generator's
 * event loop. It answers after DELAY ms, records when each request arrived (epoch ms, sub-ms
 * precision) and sends the list to its parent when asked, with the longest its event loop was
 * held up since the last report (a busy machine's stall, which skews the arrival times).
 */
const delay = Number(process.argv[2] ?? '0');
let arrivals: number[] = [];
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const server = createServer((_req, res) => {
  arrivals.push(performance.timeOrigin + performance.now());
  setTimeout(() => res.end('ok'), delay);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('message', () => {
  process.send?.({ arrivals, stallMs: loop.max / 1e6 });
  arrivals = [];
  loop.reset();
});
process.on('disconnect', () => process.exit(0));
