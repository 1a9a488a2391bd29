import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { loadMatrix, runMatrix } from '../../src/matrix/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { BIN } from '../../test/helpers/binary.js';
import { startMemcached, type Memcached } from '../../test/helpers/memcached.js';
import { startStorefront, type Storefront } from './app.js';

/**
 * Issue 12's example: the storefront against the real local MariaDB and Redis and a memcached
 * of its own, each behind a faultline proxy. Its matrix file expects Shopify's table; the run
 * must observe exactly that table. With the stale-catalogue fallback broken, the matrix must
 * fail on exactly MySQL × Storefront.
 */
const MATRIX = fileURLToPath(new URL('../../../examples/storefront/resiliency.yaml', import.meta.url));
const PREFIX = `sf_matrix_${process.pid}`;

const TABLE = {
  MySQL: { Storefront: 'Degraded', Checkout: 'Down', Signups: 'Down' },
  Redis: { Storefront: 'Up', Checkout: 'Down', Signups: 'Up' },
  Memcached: { Storefront: 'Degraded', Checkout: 'Up', Signups: 'Up' },
};

let server: RunningServer;
let memcached: Memcached;
let dir: string;
const upstreams: Record<string, string> = {};

before(async () => {
  server = await startServer({ port: 0 });
  memcached = await startMemcached();
  dir = await mkdtemp(join(tmpdir(), 'faultline-storefront-'));
  const proxies = await server.client.populate([
    { name: 'storefront-mysql', listen: '127.0.0.1:0', upstream: '127.0.0.1:3306' },
    { name: 'storefront-redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' },
    { name: 'storefront-memcached', listen: '127.0.0.1:0', upstream: `127.0.0.1:${memcached.port}` },
  ]);
  for (const p of proxies) upstreams[p.name] = `${p.host}:${p.port}`;
});

after(async () => {
  const db = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test' });
  for (const t of ['products', 'orders', 'users']) await db.query(`DROP TABLE IF EXISTS ${PREFIX}_${t}`);
  await db.end();
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  await redis.del(`${PREFIX}:cart:demo`, `${PREFIX}:signups-this-minute`);
  redis.disconnect();
  await memcached?.stop();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function withStorefront<T>(staleCatalogue: boolean, body: (app: Storefront) => Promise<T>): Promise<T> {
  const app = await startStorefront({
    mysql: upstreams['storefront-mysql'] as string,
    redis: upstreams['storefront-redis'] as string,
    memcached: upstreams['storefront-memcached'] as string,
    staleCatalogue,
    prefix: PREFIX,
  });
  try {
    return await body(app);
  } finally {
    await app.close();
  }
}

async function assertClean(): Promise<void> {
  for (const p of Object.values(await server.client.proxies())) {
    assert.equal(p.enabled, true, `${p.name} left disabled`);
    assert.deepEqual(p.toxics, [], `${p.name} left with toxics`);
  }
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('the matrix file expects Shopify\'s table', async () => {
  const m = await loadMatrix(MATRIX, { STOREFRONT_URL: 'http://127.0.0.1:1' });
  assert.deepEqual(m.expect, TABLE);
});

test('faultline matrix run observes exactly the table, every cell recovers, exit 0', async () => {
  await withStorefront(true, async (app) => {
    const out = join(dir, 'pass');
    const started = performance.now();
    const r = await runCli(['matrix', 'run', MATRIX, '--out', out], { STOREFRONT_URL: app.url, FAULTLINE_URL: server.url });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const json = JSON.parse(await readFile(join(out, 'matrix.json'), 'utf8'));
    assert.deepEqual(json.observed, TABLE);
    assert.equal(json.cells.length, 9);
    for (const c of json.cells) {
      assert.equal(c.outcome, 'pass', `${c.row} × ${c.feature}: ${c.reason}`);
      assert.equal(c.recovered, true);
      assert.ok(c.rollbacks.length > 0 && c.rollbacks.every((x: { ok: boolean }) => x.ok), `${c.row} × ${c.feature} rollbacks`);
    }
    assert.match(r.stdout, /\| MySQL\s+\| Degraded\s+\| Down\s+\| Down\s+\|/);
    assert.match(r.stdout, /9 of 9 cells as expected/);
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    assert.equal(junit.match(/<testcase /g)?.length, 9);
    assert.match(junit, /failures="0" errors="0"/);
    assert.match(await readFile(join(out, 'matrix.md'), 'utf8'), /\| \*\*Redis\*\* \| Up \| Down \| Up \|/);
    assert.match(await readFile(join(out, 'matrix.html'), 'utf8'), /<td class="Degraded"/);
    process.stdout.write(`# storefront matrix: 9 cells in ${seconds.toFixed(1)} s (CLI, including start-up)\n`);
  });
  await assertClean();
});

test('with the stale-catalogue fallback broken, the matrix fails on exactly MySQL × Storefront', async () => {
  await withStorefront(false, async (app) => {
    const matrix = await loadMatrix(MATRIX, { STOREFRONT_URL: app.url, FAULTLINE_URL: server.url, LEASE_TTL: '5s' });
    const run = await runMatrix(matrix);
    assert.equal(run.exitCode, 1);
    const wrong = run.cells.filter((c) => c.outcome !== 'pass');
    assert.deepEqual(
      wrong.map((c) => [c.row, c.feature, c.outcome, c.observed]),
      [['MySQL', 'Storefront', 'differs', 'Down']],
      run.cells.map((c) => `${c.row} × ${c.feature}: ${c.outcome} ${c.reason}`).join('\n'),
    );
    assert.equal(run.cells.length, 9);
  });
  await assertClean();
});
