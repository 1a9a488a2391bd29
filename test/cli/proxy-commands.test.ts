import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { cli, fails, hasScript, ok, onTerminal } from './cli-run.js';

let server: RunningServer;
let dir: string;

before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'faultline-cli-proxies-'));
});
after(() => server.close());
beforeEach(async () => {
  for (const name of Object.keys((await api(server, 'GET', '/proxies')).json)) await api(server, 'DELETE', `/proxies/${name}`);
});

async function proxyState(name: string): Promise<{ status: number; json: any }> {
  return api(server, 'GET', `/proxies/${name}`);
}

test('create makes an enabled proxy and prints the success line', async () => {
  const stdout = await ok(server.url, ['create', 'redis', '-l', '127.0.0.1:0', '-u', '127.0.0.1:6379']);
  assert.equal(stdout, 'Created new proxy redis\n');
  const { status, json } = await proxyState('redis');
  assert.equal(status, 200);
  assert.equal(json.upstream, '127.0.0.1:6379');
  assert.equal(json.enabled, true);
  assert.match(json.listen, /^127\.0\.0\.1:\d+$/);
});

test('create --json prints the created proxy as the server reports it; aliases c and new work', async () => {
  const created = JSON.parse(await ok(server.url, ['create', 'pg', '--listen', '127.0.0.1:0', '--upstream', '127.0.0.1:5432', '--json']));
  const { json } = await proxyState('pg');
  assert.deepEqual(created, json);
  assert.notEqual(created.listen, '127.0.0.1:0', 'the bound port, not the requested 0');

  assert.equal(await ok(server.url, ['c', 'a', '-l', '127.0.0.1:0', '-u', '127.0.0.1:1']), 'Created new proxy a\n');
  assert.equal(await ok(server.url, ['new', 'b', '-l', '127.0.0.1:0', '-u', '127.0.0.1:1']), 'Created new proxy b\n');
  assert.deepEqual(Object.keys((await api(server, 'GET', '/proxies')).json).sort(), ['a', 'b', 'pg']);
});

test('create: a taken name is the server message; missing flags are commander errors', async () => {
  await createProxy(server, 'redis', 6379);
  assert.equal(await fails(server.url, ['create', 'redis', '-l', '127.0.0.1:0', '-u', '127.0.0.1:6379']), 'faultline: proxy already exists');
  const missing = await cli(['create', 'x', '-l', '127.0.0.1:0', '--host', server.url]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /required option '-u, --upstream <addr>' not specified/);
  assert.equal((await proxyState('x')).status, 404);
});

test('list prints one tab-separated line per proxy, sorted, when piped', async () => {
  const redis = await createProxy(server, 'redis', 6379);
  const pg = await createProxy(server, 'pg', 5432, { enabled: false });
  await addToxic(server, 'redis', { type: 'latency', attributes: { latency: 10 } });
  await addToxic(server, 'redis', { type: 'noop', stream: 'upstream' });
  const stdout = await ok(server.url, ['list']);
  assert.equal(
    stdout,
    `pg\t${pg.listen}\t127.0.0.1:5432\tdisabled\t0\nredis\t${redis.listen}\t127.0.0.1:6379\tenabled\t2\n`,
  );
  for (const alias of ['l', 'li', 'ls']) assert.equal(await ok(server.url, [alias]), stdout, `alias ${alias}`);
});

test('list with no proxies prints nothing when piped; --json prints the server body', async () => {
  assert.equal(await ok(server.url, ['list']), '');
  assert.deepEqual(JSON.parse(await ok(server.url, ['list', '--json'])), {});
  await createProxy(server, 'redis', 6379);
  await addToxic(server, 'redis', { type: 'latency', attributes: { latency: 10 } });
  assert.deepEqual(JSON.parse(await ok(server.url, ['list', '--json'])), (await api(server, 'GET', '/proxies')).json);
});

test('inspect prints toxiproxy-cli lines per toxic when piped, and the server JSON with --json', async () => {
  await createProxy(server, 'redis', 6379);
  // Go's %.2f rounds ties to even: 0.125 prints as 0.12 and 0.375 as 0.38.
  await addToxic(server, 'redis', { type: 'latency', toxicity: 0.125, attributes: { latency: 100, jitter: 5 } });
  await addToxic(server, 'redis', { type: 'limit_data', stream: 'upstream', name: 'cap', attributes: { bytes: 64 } });
  await addToxic(server, 'redis', { type: 'noop', name: 'quiet', toxicity: 0.375 });
  const stdout = await ok(server.url, ['inspect', 'redis']);
  const lines = new Map([
    ['latency_downstream', 'latency_downstream\ttype=latency\tstream=downstream\ttoxicity=0.12\tattributes=[\tjitter=5\tlatency=100\t]'],
    ['cap', 'cap\ttype=limit_data\tstream=upstream\ttoxicity=1.00\tattributes=[\tbytes=64\t]'],
    ['quiet', 'quiet\ttype=noop\tstream=downstream\ttoxicity=0.38\tattributes=[\t]'],
  ]);
  const order: string[] = (await proxyState('redis')).json.toxics.map((t: any) => t.name);
  assert.equal(stdout, order.map((name) => `${lines.get(name)}\n`).join(''), "one line per toxic, in the server's order");
  for (const alias of ['i', 'ins']) assert.equal(await ok(server.url, [alias, 'redis']), stdout, `alias ${alias}`);
  assert.deepEqual(JSON.parse(await ok(server.url, ['inspect', 'redis', '--json'])), (await proxyState('redis')).json);
  assert.equal(await fails(server.url, ['inspect', 'nope']), 'faultline: proxy not found: nope');
});

test('toggle flips enabled both ways and says so', async () => {
  await createProxy(server, 'redis', 6379);
  assert.equal(await ok(server.url, ['toggle', 'redis']), 'Proxy redis is now disabled\n');
  assert.equal((await proxyState('redis')).json.enabled, false);
  assert.equal(await ok(server.url, ['tog', 'redis']), 'Proxy redis is now enabled\n');
  assert.equal((await proxyState('redis')).json.enabled, true);
  const json = JSON.parse(await ok(server.url, ['toggle', 'redis', '--json']));
  assert.equal(json.enabled, false);
  assert.deepEqual(json, (await proxyState('redis')).json);
  assert.equal(await fails(server.url, ['toggle', 'nope']), 'faultline: proxy not found: nope');
});

test('delete removes the proxy; --json shows what was deleted; a second delete fails', async () => {
  await createProxy(server, 'redis', 6379);
  await createProxy(server, 'pg', 5432);
  assert.equal(await ok(server.url, ['delete', 'redis']), 'Deleted proxy redis\n');
  assert.equal((await proxyState('redis')).status, 404);
  const before = (await proxyState('pg')).json;
  assert.deepEqual(JSON.parse(await ok(server.url, ['d', 'pg', '--json'])), before);
  assert.equal((await proxyState('pg')).status, 404);
  assert.equal(await fails(server.url, ['delete', 'redis']), 'faultline: proxy not found: redis');
});

test('reset enables every proxy and removes every toxic', async () => {
  await createProxy(server, 'redis', 6379, { enabled: false });
  await createProxy(server, 'pg', 5432);
  await addToxic(server, 'pg', { type: 'latency', attributes: { latency: 10 } });
  assert.match(await ok(server.url, ['reset']), /^Reset all proxies/);
  const all = (await api(server, 'GET', '/proxies')).json;
  assert.equal(all.redis.enabled, true);
  assert.deepEqual(all.pg.toxics, []);

  await addToxic(server, 'pg', { type: 'latency', attributes: { latency: 10 } });
  const json = JSON.parse(await ok(server.url, ['reset', '--json']));
  assert.deepEqual(json, (await api(server, 'GET', '/proxies')).json);
  assert.deepEqual(json.pg.toxics, []);
});

test('populate takes an array or {proxies}, adds listed toxics, and --json prints the proxies', async () => {
  const array = join(dir, 'array.json');
  await writeFile(
    array,
    JSON.stringify([
      { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379', toxics: [{ type: 'latency', attributes: { latency: 30 } }] },
      { name: 'pg', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432', enabled: false },
    ]),
  );
  assert.equal(await ok(server.url, ['populate', array]), `Populated 2 proxies from ${array}: redis, pg\n`);
  let all = (await api(server, 'GET', '/proxies')).json;
  assert.equal(all.pg.enabled, false);
  assert.deepEqual(all.redis.toxics.map((t: any) => [t.name, t.attributes.latency]), [['latency_downstream', 30]]);

  const wrapped = join(dir, 'wrapped.json');
  await writeFile(wrapped, JSON.stringify({ proxies: [{ name: 'mysql', listen: '127.0.0.1:0', upstream: '127.0.0.1:3306' }] }));
  const json = JSON.parse(await ok(server.url, ['populate', wrapped, '--json']));
  all = (await api(server, 'GET', '/proxies')).json;
  assert.deepEqual(json, { proxies: [all.mysql] });
});

test('populate errors name the file and change nothing', async () => {
  const cases: [string, string, RegExp][] = [
    ['broken.json', '[{"name": "a",', /^faultline: .*broken\.json is not valid JSON/],
    ['shape.json', '{"services": []}', /^faultline: .*shape\.json: expected an array of proxies or \{"proxies": \[\.\.\.\]\}/],
    ['null.json', 'null', /^faultline: .*null\.json: expected an array of proxies/],
    ['incomplete.json', JSON.stringify([{ name: 'a' }]), /^faultline: .*incomplete\.json: missing required field: upstream at proxy 1$/],
  ];
  for (const [name, text, message] of cases) {
    const file = join(dir, name);
    await writeFile(file, text);
    assert.match(await fails(server.url, ['populate', file]), message);
  }
  assert.match(await fails(server.url, ['populate', join(dir, 'missing.json')]), /^faultline: cannot read .*missing\.json: ENOENT/);
  assert.deepEqual((await api(server, 'GET', '/proxies')).json, {});
});

test('on a terminal, list and inspect print aligned tables with what each toxic does', { skip: !hasScript && 'needs script(1)' }, async () => {
  const redis = await createProxy(server, 'redis', 6379);
  await createProxy(server, 'pg', 5432, { enabled: false });
  await addToxic(server, 'redis', { type: 'latency', toxicity: 0.5, attributes: { latency: 1000, jitter: 100 } });
  await addToxic(server, 'redis', { type: 'bandwidth', stream: 'upstream', attributes: { rate: 0 } });

  const list = await onTerminal(['list', '--host', server.url]);
  assert.equal(list.code, 0);
  const rows = list.stdout.trimEnd().split('\n');
  assert.match(rows[0] ?? '', /^NAME\s+LISTEN\s+UPSTREAM\s+STATE\s+TOXICS$/);
  assert.match(rows[1] ?? '', /^pg\s+127\.0\.0\.1:\d+\s+127\.0\.0\.1:5432\s+disabled\s+none$/);
  assert.match(rows[2] ?? '', new RegExp(`^redis\\s+${redis.listen}\\s+127\\.0\\.0\\.1:6379\\s+enabled\\s+2$`));
  const column = (rows[0] ?? '').indexOf('LISTEN');
  assert.ok(rows.every((row) => row[column - 1] === ' ' && row[column] !== ' '), 'columns line up');

  const inspect = await onTerminal(['inspect', 'redis', '--host', server.url]);
  assert.equal(inspect.code, 0);
  assert.match(inspect.stdout, /^Name:\s+redis\nListen:\s+127\.0\.0\.1:\d+\nUpstream:\s+127\.0\.0\.1:6379\nState:\s+enabled\n/);
  assert.match(inspect.stdout, /latency_downstream\s+latency\s+downstream\s+0\.5\s+delays each chunk by 1000 ms ± 100 ms\n/);
  assert.match(inspect.stdout, /bandwidth_upstream\s+bandwidth\s+upstream\s+1\s+stalls all data \(rate 0\)\n/);
});
