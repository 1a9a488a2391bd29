import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * A small inventory service: items live in PostgreSQL, the "popular items" list is cached in
 * Redis. Its resilience promises, which resilience.test.ts proves through faultline:
 * - when PostgreSQL is down or too slow, item requests fail fast with 503, not after a hang;
 * - when Redis times out, the popular list is served from the last good copy, marked stale;
 * - when the dependency comes back, so does normal service, without a restart.
 */
export interface ServiceOptions {
  postgres: { host: string; port: number };
  redis: { host: string; port: number };
  /** How long a dependency may take before the service gives up on it. */
  dependencyTimeoutMs?: number;
}

export interface Service {
  url: string;
  close(): Promise<void>;
}

const TABLE = 'faultline_example_items';

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const timeoutMs = options.dependencyTimeoutMs ?? 300;
  const db = new pg.Pool({
    host: options.postgres.host,
    port: options.postgres.port,
    user: 'postgres',
    database: 'test',
    max: 4,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A pooled connection cut by the network must not crash the process; the next query reconnects.
  db.on('error', () => {});
  const cache = new Redis({
    host: options.redis.host,
    port: options.redis.port,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => 50,
    lazyConnect: true,
  });
  cache.on('error', () => {});

  try {
    // Without an offline queue, a command sent before the connection is up fails at once.
    await cache.connect();
    await db.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id int PRIMARY KEY, name text NOT NULL, stock int NOT NULL)`);
    await db.query(`INSERT INTO ${TABLE} VALUES (1, 'anvil', 3), (2, 'rope', 40) ON CONFLICT (id) DO NOTHING`);
    await cache.set('popular', JSON.stringify(['anvil', 'rope']));
  } catch (err) {
    cache.disconnect();
    await db.end();
    throw err;
  }

  let lastPopular: unknown;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const item = /^\/items\/(\d+)$/.exec(req.url ?? '');
      if (item !== null) {
        try {
          const { rows } = await db.query(`SELECT id, name, stock FROM ${TABLE} WHERE id = $1`, [Number(item[1])]);
          if (rows.length === 0) return reply(res, 404, { error: 'no such item' });
          return reply(res, 200, rows[0]);
        } catch (err) {
          return reply(res, 503, { error: 'database unavailable', detail: (err as Error).message });
        }
      }
      if (req.url === '/popular') {
        try {
          const cached = await cache.get('popular');
          lastPopular = JSON.parse(cached ?? '[]');
          return reply(res, 200, lastPopular);
        } catch {
          if (lastPopular === undefined) return reply(res, 503, { error: 'cache unavailable' });
          return reply(res, 200, lastPopular, { 'X-Stale': 'true' });
        }
      }
      reply(res, 404, { error: 'not found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      cache.disconnect();
      await db.end();
    },
  };
}
