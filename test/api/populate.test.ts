/**
 * Conformance of POST /populate (reference §2.5.3): validate every entry first, then
 * create-or-replace in order, keep unchanged proxies untouched, report partial success.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:net';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import {
  assertEchoes,
  assertJson,
  bindPort,
  closeServer,
  portOf,
  prompt,
  REQUEST_ID,
  tryConnect,
} from '../helpers/api-extra.js';
import { addToxic, api, startTestServer, type ApiResponse } from '../helpers/server.js';
import { socketTracker, startUpstream, waitClosed, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let echo: TestUpstream;
let echo2: TestUpstream;
const clients = socketTracker();
const servers: Server[] = [];

const client = clients.connect;

before(async () => {
  echo = await startUpstream();
  echo2 = await startUpstream();
});

// Populate acts on the whole collection, so every test gets its own server.
beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  clients.destroyAll();
  for (const s of servers.splice(0)) await closeServer(s);
  await server.close();
});

after(async () => {
  await echo.close();
  await echo2.close();
});

const up = () => `127.0.0.1:${echo.port}`;
const up2 = () => `127.0.0.1:${echo2.port}`;

/** Populate's error shape: JSON, no newline, `error`, `status`, `proxies` in that order. */
function assertPopulateError(res: ApiResponse, status: number, message: string, proxies: string[] | null): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.match(res.headers.get('x-toxiproxy-request-id') ?? '', REQUEST_ID);
  assert.ok(!res.text.endsWith('\n'), 'no trailing newline');
  assert.deepEqual(Object.keys(res.json), ['error', 'status', 'proxies']);
  assert.equal(res.json.error, message);
  assert.equal(res.json.status, status);
  if (proxies === null) assert.equal(res.json.proxies, null);
  else assert.deepEqual((res.json.proxies as Array<{ name: string }>).map((p) => p.name), proxies);
}

async function names(): Promise<string[]> {
  return Object.keys((await api(server, 'GET', '/proxies')).json);
}

describe('POST /populate', () => {
  test('201 {"proxies":[…]} in input order, every proxy bound and registered', async () => {
    const res = await prompt('populate', () =>
      api(server, 'POST', '/populate', [
        { name: 'zulu', listen: '127.0.0.1:0', upstream: up() },
        { name: 'alpha', listen: 'localhost:0', upstream: up2() },
        { name: 'mike', listen: '127.0.0.1:0', upstream: up(), enabled: false },
      ]),
    );
    assertJson(res, 201);
    assert.deepEqual(Object.keys(res.json), ['proxies']);
    const proxies = res.json.proxies as Array<Record<string, unknown>>;
    assert.deepEqual(proxies.map((p) => p.name), ['zulu', 'alpha', 'mike']);
    for (const p of proxies) assert.deepEqual(Object.keys(p), ['name', 'listen', 'upstream', 'enabled', 'toxics']);
    assert.match(proxies[0]?.listen as string, /^127\.0\.0\.1:\d+$/);
    assert.match(proxies[1]?.listen as string, /^127\.0\.0\.1:\d+$/);
    assert.equal(proxies[2]?.listen, '127.0.0.1:0', 'a disabled entry is not bound and keeps its listen');
    assert.equal(proxies[2]?.enabled, false);
    assert.deepEqual(await names(), ['alpha', 'mike', 'zulu']);
    await assertEchoes(await client(portOf(proxies[0]?.listen as string)), 'zulu works');
    await assertEchoes(await client(portOf(proxies[1]?.listen as string)), 'alpha works');
    assert.equal(echo2.sockets.length, 1);
    const shown = await api(server, 'GET', '/proxies/zulu');
    assert.deepEqual(shown.json, proxies[0]);
  });

  test('[] → 201 {"proxies":[]} (faultline deviation: Toxiproxy answers null)', async () => {
    const res = await api(server, 'POST', '/populate', []);
    assertJson(res, 201);
    assert.equal(res.text, '{"proxies":[]}');
  });

  test('entries default like a create: listen "" → [::], enabled null → true, keys case-insensitive', async () => {
    const res = await api(server, 'POST', '/populate', [
      { NAME: 'ci', Upstream: up(), LISTEN: '127.0.0.1:0', enabled: null },
      { name: 'any', upstream: up() },
    ]);
    assertJson(res, 201);
    const [ci, any] = res.json.proxies as Array<{ name: string; listen: string; enabled: boolean }>;
    assert.equal(ci?.name, 'ci');
    assert.equal(ci?.enabled, true);
    assert.match(ci?.listen ?? '', /^127\.0\.0\.1:\d+$/);
    assert.match(any?.listen ?? '', /^\[::\]:\d+$/);
  });

  test('a body that is not an array → 400 in populate shape, proxies null', async () => {
    for (const body of ['{}', '{"name":"x","upstream":"y:1"}', '"proxies"', '7', 'null']) {
      const res = await api(server, 'POST', '/populate', body);
      assert.equal(res.status, 400, `${body}: ${res.text}`);
      assert.ok((res.json.error as string).startsWith('bad request body: '), res.text);
      assertPopulateError(res, 400, res.json.error as string, null);
    }
    assert.deepEqual(await names(), []);
  });

  test('trailing bytes after the array are ignored', async () => {
    const res = await api(server, 'POST', '/populate', `[{"name":"t","listen":"127.0.0.1:0","upstream":"${up()}"}]\n[{"name":"u"}]`);
    assertJson(res, 201);
    assert.deepEqual(await names(), ['t']);
  });

  test('bad JSON and empty body → 400 bad request body in populate shape', async () => {
    const bad = await api(server, 'POST', '/populate', '[{"name":');
    assert.ok((bad.json.error as string).startsWith('bad request body: '), bad.text);
    assertPopulateError(bad, 400, bad.json.error as string, null);
    assertPopulateError(await api(server, 'POST', '/populate', ''), 400, 'bad request body: EOF', null);
  });

  test('entry without name → 400 missing required field: name at proxy 2, nothing created', async () => {
    const res = await api(server, 'POST', '/populate', [
      { name: 'first', listen: '127.0.0.1:0', upstream: up() },
      { listen: '127.0.0.1:0', upstream: up() },
      { name: 'third', listen: '127.0.0.1:0', upstream: up() },
    ]);
    assertPopulateError(res, 400, 'missing required field: name at proxy 2', null);
    assert.equal(res.text, '{"error":"missing required field: name at proxy 2","status":400,"proxies":null}');
    assert.deepEqual(await names(), [], 'validation happens before anything is created');
  });

  test('entry without upstream (or empty name/upstream) → 400 naming the 1-based entry', async () => {
    const ok = { name: 'ok', listen: '127.0.0.1:0', upstream: up() };
    assertPopulateError(
      await api(server, 'POST', '/populate', [ok, { ...ok, name: 'b' }, { name: 'c' }]),
      400,
      'missing required field: upstream at proxy 3',
      null,
    );
    assertPopulateError(
      await api(server, 'POST', '/populate', [{ ...ok, name: '' }]),
      400,
      'missing required field: name at proxy 1',
      null,
    );
    assertPopulateError(
      await api(server, 'POST', '/populate', [ok, { name: 'x', upstream: '' }]),
      400,
      'missing required field: upstream at proxy 2',
      null,
    );
    assert.deepEqual(await names(), []);
  });

  test('an entry with a wrong type → 400 bad request body, nothing created', async () => {
    const res = await api(server, 'POST', '/populate', [
      { name: 'fine', listen: '127.0.0.1:0', upstream: up() },
      { name: 'typed', listen: '127.0.0.1:0', upstream: up(), enabled: 'yes' },
    ]);
    const message = res.json.error as string;
    assert.ok(message.startsWith('bad request body: ') && message.includes('enabled'), message);
    assertPopulateError(res, 400, message, null);
    const notObject = await api(server, 'POST', '/populate', [{ name: 'fine', upstream: up() }, 'entry']);
    assertPopulateError(notObject, 400, notObject.json.error as string, null);
    assert.ok((notObject.json.error as string).startsWith('bad request body: '));
    assert.deepEqual(await names(), []);
  });

  test('an unchanged existing proxy keeps its toxics and listener; its enabled state follows the entry (Toxiproxy ignores it)', async () => {
    const created = await api(server, 'POST', '/populate', [
      { name: 'keep', listen: '127.0.0.1:0', upstream: up() },
      { name: 'off', listen: '127.0.0.1:0', upstream: up() },
      { name: 'live', listen: '127.0.0.1:0', upstream: up() },
    ]);
    const [keep, off, live] = created.json.proxies as Array<{ listen: string }>;
    await addToxic(server, 'keep', { name: 'lat', type: 'latency', attributes: { latency: 1 } });
    assert.equal((await api(server, 'PATCH', '/proxies/off', { enabled: false })).status, 200);
    const socket = await client(portOf(live?.listen ?? ''));
    await assertEchoes(socket, 'before populate');

    const res = await api(server, 'POST', '/populate', [
      { name: 'keep', listen: keep?.listen, upstream: up(), enabled: false },
      { name: 'off', listen: off?.listen, upstream: up(), enabled: true },
      { name: 'live', listen: live?.listen, upstream: up() },
    ]);
    assertJson(res, 201);
    const [kept, nowOn] = res.json.proxies as Array<{ enabled: boolean; listen: string; toxics: unknown[] }>;
    assert.equal(kept?.enabled, false, 'enabled: false in the entry disables an unchanged proxy');
    assert.equal(kept?.listen, keep?.listen);
    assert.equal(kept?.toxics.length, 1, 'its toxics survive');
    assert.equal(await tryConnect(portOf(keep?.listen ?? '')), 'ECONNREFUSED');
    assert.equal(nowOn?.enabled, true, 'enabled: true enables a disabled unchanged proxy, on its port');
    assert.equal(nowOn?.listen, off?.listen);
    await assertEchoes(await client(portOf(off?.listen ?? '')), 'now on');
    await assertEchoes(socket, 'an untouched proxy keeps its live connections');
    assert.equal((await api(server, 'GET', '/proxies/keep/toxics/lat')).status, 200);
  });

  test('localhost:<port> for a proxy bound at 127.0.0.1:<port> counts as unchanged', async () => {
    const first = await api(server, 'POST', '/populate', [{ name: 'same', listen: '127.0.0.1:0', upstream: up() }]);
    const listen = (first.json.proxies as Array<{ listen: string }>)[0]?.listen ?? '';
    await addToxic(server, 'same', { type: 'noop' });
    const res = await api(server, 'POST', '/populate', [{ name: 'same', listen: `localhost:${portOf(listen)}`, upstream: up() }]);
    assertJson(res, 201);
    assert.equal(res.json.proxies[0].listen, listen);
    assert.equal(res.json.proxies[0].toxics.length, 1);
  });

  test('a changed entry replaces the proxy: connections dropped, toxics gone, new settings', async () => {
    const first = await api(server, 'POST', '/populate', [{ name: 'swap', listen: '127.0.0.1:0', upstream: up() }]);
    const listen = (first.json.proxies as Array<{ listen: string }>)[0]?.listen ?? '';
    await addToxic(server, 'swap', { type: 'latency' });
    const socket = await client(portOf(listen));
    await assertEchoes(socket, 'old');
    const closed = waitClosed(socket);

    // Same fixed port, new upstream: the old listener must be closed before the new one binds.
    const res = await prompt('replace', () =>
      api(server, 'POST', '/populate', [{ name: 'swap', listen, upstream: up2() }]),
    );
    assertJson(res, 201);
    assert.equal(res.text, `{"proxies":[{"name":"swap","listen":"${listen}","upstream":"${up2()}","enabled":true,"toxics":[]}]}`);
    assert.ok(['end', 'reset', 'closed'].includes(await closed));
    const before2 = echo2.sockets.length;
    await assertEchoes(await client(portOf(listen)), 'new');
    assert.equal(echo2.sockets.length, before2 + 1);
  });

  test('an entry with port 0 equals the proxy bound on that host: kept, port and toxics too (Toxiproxy replaces it)', async () => {
    const entry = { name: 'zero', listen: '127.0.0.1:0', upstream: up() };
    const first = await api(server, 'POST', '/populate', [entry]);
    await addToxic(server, 'zero', { type: 'noop' });
    const socket = await client(portOf(first.json.proxies[0].listen));
    const second = await api(server, 'POST', '/populate', [entry]);
    assertJson(second, 201);
    assert.equal(second.json.proxies[0].listen, first.json.proxies[0].listen);
    assert.equal(second.json.proxies[0].toxics.length, 1);
    await assertEchoes(socket, 'the connection survives');
    const moved = await api(server, 'POST', '/populate', [{ ...entry, listen: '0.0.0.0:0' }]);
    assert.notEqual(moved.json.proxies[0].listen, first.json.proxies[0].listen, 'another host is a change');
    assert.deepEqual(moved.json.proxies[0].toxics, []);
  });

  test('a bad listen part-way → 500 with the proxies done so far; later entries not created', async () => {
    const res = await api(server, 'POST', '/populate', [
      { name: 'p1', listen: '127.0.0.1:0', upstream: up() },
      { name: 'p2', listen: '127.0.0.1:0', upstream: up() },
      { name: 'p3', listen: 'bogus', upstream: up() },
      { name: 'p4', listen: '127.0.0.1:0', upstream: up() },
    ]);
    assertPopulateError(res, 500, 'listen tcp: address bogus: missing port in address', ['p1', 'p2']);
    const done = res.json.proxies as Array<{ listen: string }>;
    assert.deepEqual(await names(), ['p1', 'p2']);
    await assertEchoes(await client(portOf(done[0]?.listen ?? '')), 'p1 kept');
  });

  test('a taken port part-way → 500 with the bind error', async () => {
    const blocker = await bindPort(0);
    servers.push(blocker);
    const port = (blocker.address() as { port: number }).port;
    const res = await api(server, 'POST', '/populate', [
      { name: 'q1', listen: '127.0.0.1:0', upstream: up() },
      { name: 'q2', listen: `127.0.0.1:${port}`, upstream: up() },
      { name: 'q3', listen: '127.0.0.1:0', upstream: up() },
    ]);
    assertPopulateError(res, 500, `listen tcp 127.0.0.1:${port}: bind: address already in use`, ['q1']);
    assert.deepEqual(await names(), ['q1']);
  });

  test('toxics inside entries are ignored', async () => {
    const res = await api(server, 'POST', '/populate', [
      {
        name: 'tox',
        listen: '127.0.0.1:0',
        upstream: up(),
        toxics: [{ name: 'lat', type: 'latency', attributes: { latency: 1000 } }],
      },
    ]);
    assertJson(res, 201);
    assert.deepEqual(res.json.proxies[0].toxics, []);
    assert.equal((await api(server, 'GET', '/proxies/tox/toxics')).text, '[]');
  });

  test('existing proxies not named in the populate are left alone', async () => {
    const res1 = await api(server, 'POST', '/populate', [{ name: 'other', listen: '127.0.0.1:0', upstream: up() }]);
    const listen = res1.json.proxies[0].listen as string;
    const res2 = await api(server, 'POST', '/populate', [{ name: 'new', listen: '127.0.0.1:0', upstream: up() }]);
    assertJson(res2, 201);
    assert.deepEqual(await names(), ['new', 'other']);
    assert.equal((await api(server, 'GET', '/proxies/other')).json.listen, listen);
  });
});
