/**
 * The proxy setting `tls` ("refuse" | "pass", postgres and mysql only) through every door: the
 * API (shape, defaults, 400s), the typed client, the CLI and a config file; and what it does to a
 * real psql session that asks for TLS.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Faultline } from '../../src/client/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { cli, ok } from '../cli/cli-run.js';
import { api, startTestServer } from '../helpers/server.js';

const run = promisify(execFile);
let server: RunningServer;
let n = 0;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const create = (body: Record<string, unknown>) => api(server, 'POST', '/proxies', { name: `sqltls${++n}`, listen: '127.0.0.1:0', upstream: '127.0.0.1:5432', ...body });

test('API: pass is shown, refuse (the default) is left out, and tls on another protocol is a 400 naming tls', async () => {
  const pass = await create({ protocol: 'postgres', tls: 'pass' });
  assert.equal(pass.status, 201);
  assert.equal(pass.json.tls, 'pass');
  const dflt = await create({ protocol: 'mysql' });
  assert.equal('tls' in dflt.json, false);
  const refuse = await create({ protocol: 'postgres', tls: 'refuse' });
  assert.equal('tls' in refuse.json, false);
  for (const body of [{ protocol: 'redis', tls: 'pass' }, { tls: 'refuse' }, { protocol: 'http', tls: 'pass' }]) {
    const bad = await create(body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.match(bad.json.error, /\btls: negotiating TLS in band is for "protocol": "postgres" or "mysql"/);
  }
  const wrong = await create({ protocol: 'postgres', tls: 'yes' });
  assert.equal(wrong.status, 400);
  assert.match(wrong.json.error, /tls/);
  // Updates: set, shown; back to refuse, left out; a protocol change away from SQL drops it.
  const name = pass.json.name as string;
  assert.equal((await api(server, 'POST', `/proxies/${name}`, { tls: 'refuse' })).json.tls, undefined);
  assert.equal((await api(server, 'POST', `/proxies/${name}`, { tls: 'pass' })).json.tls, 'pass');
  const toRedis = await api(server, 'POST', `/proxies/${name}`, { protocol: 'redis' });
  assert.equal(toRedis.status, 200);
  assert.equal(toRedis.json.tls, undefined);
  assert.equal((await api(server, 'POST', `/proxies/${name}`, { tls: 'pass' })).status, 400);
});

test('typed client: ProxyHandle.tls, and an update through it', async () => {
  const client = new Faultline(server.url);
  const p = await client.createProxy({ name: `sqltls${++n}`, listen: '127.0.0.1:0', upstream: '127.0.0.1:3306', protocol: 'mysql', tls: 'pass' });
  assert.equal(p.tls, 'pass');
  await p.update({ tls: 'refuse' });
  assert.equal(p.tls, 'refuse');
  assert.equal((await client.proxy(p.name)).tls, 'refuse');
});

test('CLI: faultline create --tls pass; a bad mode exits 1 naming --tls', async () => {
  const name = `sqltls${++n}`;
  const out = await ok(server.url, ['create', name, '-l', '127.0.0.1:0', '-u', '127.0.0.1:5432', '--protocol', 'postgres', '--tls', 'pass', '--json']);
  assert.equal(JSON.parse(out).tls, 'pass');
  const bad = await cli(['create', `sqltls${++n}`, '-l', '127.0.0.1:0', '-u', '127.0.0.1:5432', '--protocol', 'postgres', '--tls', 'maybe', '--host', server.url]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--tls/);
  const redis = await cli(['create', `sqltls${++n}`, '-l', '127.0.0.1:0', '-u', '127.0.0.1:6379', '--protocol', 'redis', '--tls', 'pass', '--host', server.url]);
  assert.equal(redis.code, 1);
  assert.match(redis.stderr, /tls/);
});

test('config file: tls: pass on a postgres proxy; psql with sslmode=require then gets the server\'s own answer', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fl-sql-tls-'));
  const file = join(dir, 'faultline.yaml');
  await writeFile(
    file,
    `proxies:
  - name: pgpass
    listen: 127.0.0.1:0
    upstream: 127.0.0.1:5432
    protocol: postgres
    tls: pass
  - name: pgrefuse
    listen: 127.0.0.1:0
    upstream: 127.0.0.1:5432
    protocol: postgres
`,
  );
  const configured = await startServer({ port: 0, config: file });
  try {
    const pass = (await api(configured, 'GET', '/proxies/pgpass')).json;
    const refuse = (await api(configured, 'GET', '/proxies/pgrefuse')).json;
    assert.equal(pass.tls, 'pass');
    assert.equal(refuse.tls, undefined);
    const psql = (listen: string) =>
      run('psql', ['-X', '-h', '127.0.0.1', '-p', listen.split(':')[1] as string, '-U', 'postgres', '-d', 'test', '-c', 'SELECT 1'], { env: { ...process.env, PGSSLMODE: 'require' } }).catch(
        (e: { code: number; stderr: string }) => e,
      );
    // Passed through, the SSLRequest reaches PostgreSQL (ssl = off here), which says N itself.
    const passed = await psql(pass.listen);
    assert.equal((passed as { code: number }).code, 2);
    assert.match(passed.stderr, /server does not support SSL/);
    // Refused, the proxy says N: to psql it is the same answer, from the proxy.
    const refused = await psql(refuse.listen);
    assert.match(refused.stderr, /server does not support SSL/);
  } finally {
    await configured.close();
    await rm(dir, { recursive: true, force: true });
  }
});
