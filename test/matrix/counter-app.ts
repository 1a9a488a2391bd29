import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

export interface CounterApp {
  url: string;
  close(): Promise<void>;
}

/**
 * A one-feature HTTP app on the real local Redis, reached through `redis` (a faultline proxy):
 * GET /count increments a key and answers the count, or 503 when Redis fails (GET
 * /count-or-hang-up drops the connection instead); GET /health never touches Redis. With
 * `reconnect: false` its client gives up on a lost connection for good, the bug a matrix must
 * flag: the app stays broken after Redis comes back.
 */
export async function startCounterApp(options: { redis: string; key: string; reconnect?: boolean }): Promise<CounterApp> {
  const i = options.redis.lastIndexOf(':');
  const redis = new Redis({
    host: options.redis.slice(0, i),
    port: Number(options.redis.slice(i + 1)),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1000,
    connectTimeout: 300,
    lazyConnect: true,
    retryStrategy: options.reconnect === false ? () => null : () => 50,
  });
  redis.on('error', () => undefined);
  await redis.connect();
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/health') return void res.writeHead(200).end('ok\n');
    if (req.url !== '/count' && req.url !== '/count-or-hang-up') return void res.writeHead(404).end();
    redis.incr(options.key).then(
      (n) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`${n}\n`),
      (err: Error) => {
        // The rude variant drops the connection, so the probe's fetch throws.
        if (req.url === '/count-or-hang-up') return void res.socket?.destroy();
        res.writeHead(503, { 'content-type': 'text/plain' }).end(`redis: ${err.message}\n`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.del(options.key).catch(() => undefined);
      redis.disconnect();
    },
  };
}
