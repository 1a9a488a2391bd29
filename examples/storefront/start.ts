import { Faultline } from '../../src/client/index.js';
import { startStorefront } from './app.js';

/**
 * Starts the storefront for running resiliency.yaml by hand. The faultline server (FAULTLINE_URL,
 * else http://127.0.0.1:8474) gets three proxies in front of the local MariaDB, Redis and a
 * memcached (MEMCACHED, default 127.0.0.1:11211); the app talks to them only through those.
 * `--no-stale` turns off the storefront's stale-catalogue fallback.
 */
const client = new Faultline();
const memcached = process.env.MEMCACHED ?? '127.0.0.1:11211';
const proxies = await client.populate([
  { name: 'storefront-mysql', listen: '127.0.0.1:0', upstream: '127.0.0.1:3306' },
  { name: 'storefront-redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' },
  { name: 'storefront-memcached', listen: '127.0.0.1:0', upstream: memcached },
]);
const at = (name: string): string => {
  const p = proxies.find((x) => x.name === name);
  if (p === undefined) throw new Error(`proxy ${name} was not created`);
  return `${p.host}:${p.port}`;
};
const app = await startStorefront({
  mysql: at('storefront-mysql'),
  redis: at('storefront-redis'),
  memcached: at('storefront-memcached'),
  staleCatalogue: !process.argv.includes('--no-stale'),
  port: Number(process.env.PORT ?? 8080),
});
process.stdout.write(`storefront at ${app.url} (through faultline at ${client.url})\nSTOREFRONT_URL=${app.url} faultline matrix run examples/storefront/resiliency.yaml\n`);
const stop = (): void => void app.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
