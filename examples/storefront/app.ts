import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import Memcached from 'memcached';
import mysql from 'mysql2/promise';

/**
 * A small shop with three features, each written to fail the way Shopify's table says it
 * should when one of its dependencies is down:
 *
 * - Storefront (GET /): the catalogue from MySQL, its "featured" block cached in memcached.
 *   Without MySQL it serves the last catalogue it read (stale); without memcached it builds
 *   the block on every request (slower). Either way it answers 200 with `x-degraded` saying
 *   why. It never touches Redis.
 * - Checkout (POST /checkout): the cart from Redis, the order into MySQL; without either, 503.
 * - Signups (POST /signup): the account into MySQL (503 without it); a rate limit in Redis
 *   that fails open, so Redis going away does not stop signups.
 *
 * Every client has short timeouts and reconnects quickly, so a fault shows within a second
 * and the app is Up again soon after the fault is removed.
 */
export interface StorefrontOptions {
  /** host:port of each dependency, normally a faultline proxy in front of it. */
  mysql: string;
  redis: string;
  memcached: string;
  /** Serve the last catalogue read when MySQL is down (the fallback the second test breaks). */
  staleCatalogue?: boolean;
  /** Prefix of tables and keys, so several runs on the same servers do not meet. */
  prefix?: string;
  port?: number;
}

export interface Storefront {
  url: string;
  close(): Promise<void>;
}

interface Product {
  id: number;
  name: string;
  price: string;
}

const split = (hostPort: string): { host: string; port: number } => {
  const i = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) };
};

// Long enough for a busy CI machine; a dependency that is down fails at once (refused), not by this.
const TIMEOUT_MS = 1500;

export async function startStorefront(options: StorefrontOptions): Promise<Storefront> {
  const prefix = options.prefix ?? 'storefront';
  const staleCatalogue = options.staleCatalogue ?? true;
  const db = mysql.createPool({ ...split(options.mysql), user: 'root', password: '', database: 'test', connectionLimit: 4, connectTimeout: TIMEOUT_MS, maxIdle: 4 });
  const redis = new Redis({
    ...split(options.redis),
    lazyConnect: true,
    // Fail a command at once while disconnected instead of queueing it: a shop that waits on
    // a dead cache is down, not degraded.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: TIMEOUT_MS,
    connectTimeout: TIMEOUT_MS,
    retryStrategy: () => 100,
  });
  redis.on('error', () => undefined); // each command reports its own failure
  // failuresTimeout is missing from @types/memcached; its default (5 min) is a timer that keeps
  // the process alive after close(), and would count failures across a whole matrix run.
  const cacheOptions: Memcached.options & { failuresTimeout: number } = { timeout: TIMEOUT_MS, retries: 0, retry: 100, failures: 5, failuresTimeout: 2000, reconnect: 100, idle: 2000, remove: false };
  const cache = new Memcached(options.memcached, cacheOptions);
  cache.on('failure', () => undefined);
  cache.on('issue', () => undefined);

  const products = `${prefix}_products`;
  const orders = `${prefix}_orders`;
  const users = `${prefix}_users`;
  await db.query(`CREATE TABLE IF NOT EXISTS ${products} (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, price DECIMAL(8,2) NOT NULL)`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${orders} (id INT AUTO_INCREMENT PRIMARY KEY, cart VARCHAR(64) NOT NULL, items TEXT NOT NULL)`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${users} (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(128) NOT NULL)`);
  await db.query(`INSERT IGNORE INTO ${products} VALUES (1, 'Snowboard', 449.00), (2, 'Bindings', 199.00), (3, 'Goggles', 89.00)`);
  await redis.connect();
  await redis.hset(`${prefix}:cart:demo`, { '1': '1', '3': '2' });

  let lastCatalogue: Product[] | undefined;

  const cacheGet = (key: string): Promise<string | undefined> =>
    new Promise((resolve, reject) => cache.get(key, (err: unknown, data: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(typeof data === 'string' ? data : undefined))));
  const cacheSet = (key: string, value: string): Promise<void> =>
    new Promise((resolve, reject) => cache.set(key, value, 30, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())));

  async function storefront(res: ServerResponse): Promise<void> {
    const degraded: string[] = [];
    let catalogue: Product[];
    try {
      const [rows] = await db.query({ sql: `SELECT id, name, price FROM ${products} ORDER BY id`, timeout: TIMEOUT_MS });
      catalogue = rows as Product[];
      lastCatalogue = catalogue;
    } catch (err) {
      if (!staleCatalogue || lastCatalogue === undefined) throw err;
      catalogue = lastCatalogue;
      degraded.push('stale-catalogue');
    }
    let featured: string | undefined;
    try {
      featured = await cacheGet(`${prefix}:featured`);
      if (featured === undefined) {
        featured = catalogue.slice(0, 2).map((p) => p.name).join(' and ');
        await cacheSet(`${prefix}:featured`, featured);
      }
    } catch {
      featured = catalogue.slice(0, 2).map((p) => p.name).join(' and ');
      degraded.push('no-fragment-cache');
    }
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' };
    if (degraded.length > 0) headers['x-degraded'] = degraded.join(', ');
    res.writeHead(200, headers);
    res.end(`<h1>Shop</h1><p>Featured: ${featured}</p><ul>${catalogue.map((p) => `<li>${p.name} ${p.price}</li>`).join('')}</ul>\n`);
  }

  async function checkout(res: ServerResponse): Promise<void> {
    const cart = await redis.hgetall(`${prefix}:cart:demo`);
    if (Object.keys(cart).length === 0) throw new Error('empty cart');
    const [result] = await db.query({ sql: `INSERT INTO ${orders} (cart, items) VALUES (?, ?)`, timeout: TIMEOUT_MS }, ['demo', JSON.stringify(cart)]);
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ order: (result as { insertId: number }).insertId }));
  }

  async function signup(res: ServerResponse): Promise<void> {
    try {
      const seen = await redis.incr(`${prefix}:signups-this-minute`);
      if (seen === 1) await redis.expire(`${prefix}:signups-this-minute`, 60);
    } catch {
      // The rate limit fails open: losing Redis must not lose a customer.
    }
    const [result] = await db.query({ sql: `INSERT INTO ${users} (email) VALUES (?)`, timeout: TIMEOUT_MS }, [`user-${Date.now()}@example.test`]);
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ user: (result as { insertId: number }).insertId }));
  }

  const routes: Record<string, (res: ServerResponse) => Promise<void>> = { 'GET /': storefront, 'POST /checkout': checkout, 'POST /signup': signup };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const route = routes[`${req.method} ${req.url}`];
    if (route === undefined) {
      res.writeHead(404).end('not found\n');
      return;
    }
    route(res).catch((err: Error) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`unavailable: ${err.message}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
      cache.end();
      await db.end();
    },
  };
}
