/**
 * Conformance of the proxy routes (reference §2.3–§2.5.4, §2.5.9): create, show, index, update,
 * delete, listen reporting, and what each does to the listener and to live connections.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import {
  assertEchoes,
  assertError,
  assertErrorStartsWith,
  assertJson,
  assertNoContent,
  bindPort,
  closeServer,
  portOf,
  prompt,
  tryConnect,
  waitFor,
} from '../helpers/api-extra.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { socketTracker, startUpstream, waitClosed, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let echo: TestUpstream;
let echo2: TestUpstream;
const clients = socketTracker();
const servers: Server[] = [];

const client = clients.connect;

before(async () => {
  server = await startTestServer();
  echo = await startUpstream();
  echo2 = await startUpstream();
});

afterEach(async () => {
  clients.destroyAll();
  for (const s of servers.splice(0)) await closeServer(s);
});

after(async () => {
  await server.close();
  await echo.close();
  await echo2.close();
});

const up = () => `127.0.0.1:${echo.port}`;
const up2 = () => `127.0.0.1:${echo2.port}`;

describe('GET /proxies', () => {
  test('is {} on a server without proxies', async () => {
    const fresh = await startTestServer();
    try {
      const res = await api(fresh, 'GET', '/proxies');
      assertJson(res, 200);
      assert.equal(res.text, '{}');
    } finally {
      await fresh.close();
    }
  });

  test('is an object keyed by name, keys sorted, each value the proxy', async () => {
    const fresh = await startTestServer();
    try {
      for (const name of ['charlie', 'alpha', 'Bravo', 'bravo']) {
        await createProxy(fresh, name, echo.port);
      }
      const res = await api(fresh, 'GET', '/proxies');
      assertJson(res, 200);
      // Go sorts map keys bytewise: upper case before lower case.
      assert.deepEqual(Object.keys(res.json), ['Bravo', 'alpha', 'bravo', 'charlie']);
      for (const [name, proxy] of Object.entries(res.json as Record<string, { name: string }>)) {
        assert.equal(proxy.name, name);
        assert.deepEqual(proxy, (await api(fresh, 'GET', `/proxies/${name}`)).json);
      }
    } finally {
      await fresh.close();
    }
  });
});

describe('POST /proxies', () => {
  test('creates: 201 with name, listen, upstream, enabled, toxics in that order, and forwards', async () => {
    const res = await prompt('create', () =>
      api(server, 'POST', '/proxies', { name: 'create-basic', listen: '127.0.0.1:0', upstream: up() }),
    );
    assertJson(res, 201);
    const port = portOf(res.json.listen);
    assert.equal(
      res.text,
      `{"name":"create-basic","listen":"127.0.0.1:${port}","upstream":"${up()}","enabled":true,"toxics":[]}`,
    );
    const shown = await api(server, 'GET', '/proxies/create-basic');
    assertJson(shown, 200);
    assert.equal(shown.text, res.text);
    await assertEchoes(await client(port), 'hello through the proxy');
  });

  test('missing name → 400 missing required field: name (checked before upstream)', async () => {
    assertError(await api(server, 'POST', '/proxies', { upstream: up() }), 400, 'missing required field: name');
    assertError(await api(server, 'POST', '/proxies', { name: '', upstream: up() }), 400, 'missing required field: name');
    assertError(await api(server, 'POST', '/proxies', {}), 400, 'missing required field: name');
    assertError(await api(server, 'POST', '/proxies', { name: null, upstream: up() }), 400, 'missing required field: name');
  });

  test('missing upstream → 400 missing required field: upstream, nothing created', async () => {
    assertError(await api(server, 'POST', '/proxies', { name: 'no-up' }), 400, 'missing required field: upstream');
    assertError(
      await api(server, 'POST', '/proxies', { name: 'no-up', upstream: '' }),
      400,
      'missing required field: upstream',
    );
    assertError(await api(server, 'GET', '/proxies/no-up'), 404, 'proxy not found');
  });

  test('duplicate name → 409 proxy already exists, the original untouched', async () => {
    const first = await createProxy(server, 'dup', echo.port);
    const before = (await api(server, 'GET', '/proxies/dup')).text;
    const res = await api(server, 'POST', '/proxies', { name: 'dup', listen: '127.0.0.1:0', upstream: up2() });
    assertError(res, 409, 'proxy already exists');
    assert.equal((await api(server, 'GET', '/proxies/dup')).text, before);
    await assertEchoes(await client(first.port), 'still the first');
    assert.equal(echo2.sockets.length, 0, 'the second upstream was never used');
  });

  test('a disabled duplicate is still a duplicate', async () => {
    await createProxy(server, 'dup-disabled', echo.port, { enabled: false });
    const res = await api(server, 'POST', '/proxies', { name: 'dup-disabled', upstream: up() });
    assertError(res, 409, 'proxy already exists');
  });

  test('bad JSON → 400 bad request body: …', async () => {
    for (const body of ['{', '{bad', 'not json', '{"name":"x",}', "{'name':'x'}"]) {
      const res = await api(server, 'POST', '/proxies', body);
      assertErrorStartsWith(res, 400, 'bad request body: ');
    }
  });

  test('empty or blank body → 400 bad request body: EOF', async () => {
    assertError(await api(server, 'POST', '/proxies', ''), 400, 'bad request body: EOF');
    assertError(await api(server, 'POST', '/proxies', '  \n\t '), 400, 'bad request body: EOF');
  });

  test('only the first JSON value is read: trailing bytes are ignored, as by Go\'s json.Decoder', async () => {
    const body = `{"name":"trailing","listen":"127.0.0.1:0","upstream":"${up()}"} and then {"some":"garbage"}`;
    const res = await api(server, 'POST', '/proxies', body);
    assertJson(res, 201);
    assert.equal(res.json.name, 'trailing');
    const braces = await api(server, 'PATCH', '/proxies/trailing', '{"enabled":false}}]');
    assertJson(braces, 200);
    assert.equal(braces.json.enabled, false);
    // A broken first value is still an error, even with more after it.
    assertErrorStartsWith(await api(server, 'POST', '/proxies', '{"name":"x",} {}'), 400, 'bad request body: ');
    assertErrorStartsWith(await api(server, 'POST', '/proxies', '{"name":"x" {}'), 400, 'bad request body: ');
  });

  test('a body that is not an object → 400 bad request body', async () => {
    for (const body of ['[]', '"name"', '42', 'true', 'null']) {
      const res = await api(server, 'POST', '/proxies', body);
      assert.equal(res.status, 400, `${body}: ${res.text}`);
      assert.ok((res.json.error as string).startsWith('bad request body: '), res.text);
    }
  });

  test('wrong types → 400 bad request body naming the field, nothing created', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'wt', upstream: up(), enabled: 'yes' }, 'enabled'],
      [{ name: 'wt', upstream: up(), enabled: 1 }, 'enabled'],
      [{ name: 5, upstream: up() }, 'name'],
      [{ name: 'wt', upstream: true }, 'upstream'],
      [{ name: 'wt', upstream: up(), listen: 8080 }, 'listen'],
      [{ name: 'wt', upstream: up(), listen: ['127.0.0.1:0'] }, 'listen'],
    ];
    for (const [body, field] of cases) {
      const message = assertErrorStartsWith(await api(server, 'POST', '/proxies', body), 400, 'bad request body: ');
      assert.ok(message.includes(field), `${message} names ${field}`);
    }
    assertError(await api(server, 'GET', '/proxies/wt'), 404, 'proxy not found');
  });

  test('keys are matched case-insensitively', async () => {
    const res = await api(server, 'POST', '/proxies', {
      Name: 'case-keys',
      LISTEN: '127.0.0.1:0',
      UpStream: up(),
      ENABLED: true,
    });
    assertJson(res, 201);
    assert.equal(res.json.name, 'case-keys');
    assert.equal(res.json.upstream, up());
    assert.match(res.json.listen, /^127\.0\.0\.1:\d+$/);
    assert.equal(res.json.enabled, true);
  });

  test('null fields take their defaults', async () => {
    const res = await api(server, 'POST', '/proxies', {
      name: 'nulls',
      listen: null,
      upstream: up(),
      enabled: null,
    });
    assertJson(res, 201);
    assert.equal(res.json.enabled, true);
    assert.match(res.json.listen, /^\[::\]:\d+$/, 'listen null means "", every interface');
  });

  test('unknown keys are ignored, and toxics in the body are not created', async () => {
    const res = await api(server, 'POST', '/proxies', {
      name: 'extra-keys',
      listen: '127.0.0.1:0',
      upstream: up(),
      colour: 'blue',
      toxics: [{ type: 'latency', attributes: { latency: 100 } }],
    });
    assertJson(res, 201);
    assert.deepEqual(Object.keys(res.json), ['name', 'listen', 'upstream', 'enabled', 'toxics']);
    assert.deepEqual(res.json.toxics, []);
  });

  test('upstream is neither validated nor dialled at creation', async () => {
    const res = await api(server, 'POST', '/proxies', { name: 'odd-upstream', listen: '127.0.0.1:0', upstream: 'http://x' });
    assertJson(res, 201);
    assert.equal(res.json.upstream, 'http://x');
  });

  test('a name containing "/" is reachable percent-encoded (faultline deviation)', async () => {
    const created = await api(server, 'POST', '/proxies', { name: 'a/b', listen: '127.0.0.1:0', upstream: up() });
    assertJson(created, 201);
    const shown = await api(server, 'GET', '/proxies/a%2Fb');
    assertJson(shown, 200);
    assert.equal(shown.json.name, 'a/b');
    assert.equal((await api(server, 'GET', '/proxies')).json['a/b'].name, 'a/b');
    const toxic = await api(server, 'POST', '/proxies/a%2Fb/toxics', { type: 'noop' });
    assertJson(toxic, 200);
    assertJson(await api(server, 'GET', '/proxies/a%2Fb/toxics/noop_downstream'), 200);
    const patched = await api(server, 'PATCH', '/proxies/a%2Fb', { enabled: false });
    assertJson(patched, 200);
    assert.equal(patched.json.enabled, false);
    // Unencoded, the slash splits the path: a route that does not exist, or another one.
    assert.equal((await api(server, 'GET', '/proxies/a/b')).status, 404);
    assertNoContent(await api(server, 'DELETE', '/proxies/a%2Fb'));
    assertError(await api(server, 'GET', '/proxies/a%2Fb'), 404, 'proxy not found');
  });

  test('other odd names round-trip percent-encoded: spaces, unicode, %, ?, #', async () => {
    for (const name of ['with space', 'ünïcödé', '100%', 'dots.and-dashes_1', 'q?x=1#y']) {
      const res = await api(server, 'POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: up(), enabled: false });
      assertJson(res, 201);
      const shown = await api(server, 'GET', `/proxies/${encodeURIComponent(name)}`);
      assertJson(shown, 200);
      assert.equal(shown.json.name, name);
      assertNoContent(await api(server, 'DELETE', `/proxies/${encodeURIComponent(name)}`));
    }
  });
});

describe('unknown proxy → 404 proxy not found on every /proxies/{p} route', () => {
  const calls: Array<[string, string, unknown]> = [
    ['GET', '/proxies/ghost', undefined],
    ['POST', '/proxies/ghost', { enabled: false }],
    ['PATCH', '/proxies/ghost', { enabled: false }],
    ['DELETE', '/proxies/ghost', undefined],
    ['GET', '/proxies/ghost/toxics', undefined],
    ['POST', '/proxies/ghost/toxics', { type: 'latency' }],
    ['GET', '/proxies/ghost/toxics/t', undefined],
    ['POST', '/proxies/ghost/toxics/t', { toxicity: 0.5 }],
    ['PATCH', '/proxies/ghost/toxics/t', { toxicity: 0.5 }],
    ['DELETE', '/proxies/ghost/toxics/t', undefined],
  ];
  for (const [method, path, body] of calls) {
    test(`${method} ${path}`, async () => {
      assertError(await api(server, method, path, body), 404, 'proxy not found');
    });
  }

  test('the proxy is looked up before the body is read (404 beats 400)', async () => {
    for (const [method, path] of [
      ['POST', '/proxies/ghost'],
      ['PATCH', '/proxies/ghost'],
      ['POST', '/proxies/ghost/toxics'],
      ['PATCH', '/proxies/ghost/toxics/t'],
    ] as const) {
      assertError(await api(server, method, path, '{broken'), 404, 'proxy not found');
      assertError(await api(server, method, path, ''), 404, 'proxy not found');
    }
  });
});

describe('listen reporting', () => {
  test('localhost:0 → 127.0.0.1:<port>, bound and forwarding', async () => {
    const res = await api(server, 'POST', '/proxies', { name: 'l-localhost', listen: 'localhost:0', upstream: up() });
    assertJson(res, 201);
    assert.match(res.json.listen, /^127\.0\.0\.1:\d+$/);
    await assertEchoes(await client(portOf(res.json.listen)), 'via localhost');
  });

  test('127.0.0.1:0 → 127.0.0.1:<port>', async () => {
    const res = await api(server, 'POST', '/proxies', { name: 'l-loopback', listen: '127.0.0.1:0', upstream: up() });
    assertJson(res, 201);
    assert.match(res.json.listen, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(portOf(res.json.listen), 0);
  });

  for (const [label, extra] of [
    ['"" (every interface)', { listen: '' }],
    ['omitted', {}],
    [':0', { listen: ':0' }],
  ] as const) {
    test(`listen ${label} → [::]:<port>, reachable on 127.0.0.1`, async () => {
      const name = `l-any-${label.length}`;
      const res = await api(server, 'POST', '/proxies', { name, upstream: up(), ...extra });
      assertJson(res, 201);
      assert.match(res.json.listen, /^\[::\]:\d+$/);
      await assertEchoes(await client(portOf(res.json.listen)), 'via every interface');
      assertNoContent(await api(server, 'DELETE', `/proxies/${name}`));
    });
  }

  test('created disabled: not bound, listen kept verbatim; enabling binds; the port survives disable/enable', async () => {
    const res = await api(server, 'POST', '/proxies', {
      name: 'l-disabled',
      listen: 'localhost:0',
      upstream: up(),
      enabled: false,
    });
    assertJson(res, 201);
    assert.equal(res.text, `{"name":"l-disabled","listen":"localhost:0","upstream":"${up()}","enabled":false,"toxics":[]}`);
    assert.equal((await api(server, 'GET', '/proxies/l-disabled')).json.listen, 'localhost:0');

    const enabled = await api(server, 'PATCH', '/proxies/l-disabled', { enabled: true });
    assertJson(enabled, 200);
    assert.match(enabled.json.listen, /^127\.0\.0\.1:\d+$/);
    assert.equal(enabled.json.enabled, true);
    const port = portOf(enabled.json.listen);
    await assertEchoes(await client(port), 'now bound');

    const disabled = await api(server, 'PATCH', '/proxies/l-disabled', { enabled: false });
    assertJson(disabled, 200);
    assert.equal(disabled.json.listen, `127.0.0.1:${port}`, 'the resolved address is kept');
    assert.equal(await tryConnect(port), 'ECONNREFUSED');

    const again = await api(server, 'PATCH', '/proxies/l-disabled', { enabled: true });
    assert.equal(again.json.listen, `127.0.0.1:${port}`, 'the same port is bound again');
    await assertEchoes(await client(port), 'same port');
  });

  test('created disabled with listen omitted reports "" until it starts', async () => {
    const res = await api(server, 'POST', '/proxies', { name: 'l-disabled-empty', upstream: up(), enabled: false });
    assertJson(res, 201);
    assert.equal(res.json.listen, '');
    const enabled = await api(server, 'POST', '/proxies/l-disabled-empty', { enabled: true });
    assertJson(enabled, 200);
    assert.match(enabled.json.listen, /^\[::\]:\d+$/);
    assertNoContent(await api(server, 'DELETE', '/proxies/l-disabled-empty'));
  });

  test('bad listen → 500 with Go\'s message, proxy not registered', async () => {
    const res = await prompt('create bogus', () =>
      api(server, 'POST', '/proxies', { name: 'l-bogus', listen: 'bogus', upstream: up() }),
    );
    assertError(res, 500, 'listen tcp: address bogus: missing port in address');
    assertError(await api(server, 'GET', '/proxies/l-bogus'), 404, 'proxy not found');
    assert.equal((await api(server, 'GET', '/proxies')).json['l-bogus'], undefined);
    // The name is free: a good create with it now succeeds.
    assertJson(await api(server, 'POST', '/proxies', { name: 'l-bogus', listen: '127.0.0.1:0', upstream: up() }), 201);
  });

  test('a bad listen on a disabled create is stored, and fails when enabled', async () => {
    const res = await api(server, 'POST', '/proxies', { name: 'l-bogus-off', listen: 'bogus', upstream: up(), enabled: false });
    assertJson(res, 201);
    assert.equal(res.json.listen, 'bogus');
    const enable = await api(server, 'PATCH', '/proxies/l-bogus-off', { enabled: true });
    assertError(enable, 500, 'listen tcp: address bogus: missing port in address');
    assert.equal((await api(server, 'GET', '/proxies/l-bogus-off')).json.enabled, false);
  });

  test('port already in use → 500 listen tcp 127.0.0.1:<port>: bind: address already in use, not registered', async () => {
    const blocker = await bindPort(0);
    servers.push(blocker);
    const port = (blocker.address() as { port: number }).port;
    const res = await api(server, 'POST', '/proxies', { name: 'l-busy', listen: `127.0.0.1:${port}`, upstream: up() });
    assertError(res, 500, `listen tcp 127.0.0.1:${port}: bind: address already in use`);
    assertError(await api(server, 'GET', '/proxies/l-busy'), 404, 'proxy not found');
  });

  test('two proxies cannot share a port', async () => {
    const first = await createProxy(server, 'l-share-1', echo.port);
    const res = await api(server, 'POST', '/proxies', { name: 'l-share-2', listen: first.listen, upstream: up() });
    assertError(res, 500, `listen tcp ${first.listen}: bind: address already in use`);
  });
});

describe('update: POST and PATCH /proxies/{p}', () => {
  for (const method of ['POST', 'PATCH']) {
    test(`${method}: partial merge, name in the body ignored`, async () => {
      const name = `u-merge-${method}`;
      const { listen } = await createProxy(server, name, echo.port);
      const res = await api(server, method, `/proxies/${name}`, { name: 'renamed', upstream: up2() });
      assertJson(res, 200);
      assert.equal(res.text, `{"name":"${name}","listen":"${listen}","upstream":"${up2()}","enabled":true,"toxics":[]}`);
      assert.equal((await api(server, 'GET', `/proxies/${name}`)).text, res.text);
      assertError(await api(server, 'GET', '/proxies/renamed'), 404, 'proxy not found');
    });
  }

  test('an empty object changes nothing and keeps connections', async () => {
    const { port } = await createProxy(server, 'u-empty', echo.port);
    const socket = await client(port);
    await assertEchoes(socket, 'before');
    const before = (await api(server, 'GET', '/proxies/u-empty')).text;
    const res = await api(server, 'PATCH', '/proxies/u-empty', {});
    assertJson(res, 200);
    assert.equal(res.text, before);
    await assertEchoes(socket, 'after');
  });

  test('enabled:false unbinds (ECONNREFUSED) and closes live connections; enabled:true binds again', async () => {
    const { port } = await createProxy(server, 'u-toggle', echo.port);
    const socket = await client(port);
    await assertEchoes(socket, 'live');
    const closed = waitClosed(socket);
    const res = await prompt('disable', () => api(server, 'PATCH', '/proxies/u-toggle', { enabled: false }));
    assertJson(res, 200);
    assert.equal(res.json.enabled, false);
    assert.ok(['end', 'reset', 'closed'].includes(await closed));
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    // Disabling twice is a no-op, not an error.
    assertJson(await api(server, 'PATCH', '/proxies/u-toggle', { enabled: false }), 200);

    const on = await api(server, 'POST', '/proxies/u-toggle', { enabled: true });
    assertJson(on, 200);
    assert.equal(on.json.enabled, true);
    assert.equal(portOf(on.json.listen), port);
    await assertEchoes(await client(port), 'back');
  });

  test('enabled:true on an enabled proxy (listen and upstream unchanged) keeps live connections', async () => {
    const { port, listen } = await createProxy(server, 'u-noop', echo.port);
    const socket = await client(port);
    await assertEchoes(socket, 'one');
    const res = await api(server, 'PATCH', '/proxies/u-noop', { enabled: true, listen, upstream: up() });
    assertJson(res, 200);
    assert.equal(res.json.listen, listen);
    await assertEchoes(socket, 'two');
  });

  test('changing upstream restarts: the live connection is dropped, new ones go to the new upstream', async () => {
    const { port, listen } = await createProxy(server, 'u-upstream', echo.port);
    const socket = await client(port);
    await assertEchoes(socket, 'old upstream');
    const closed = waitClosed(socket);
    const before2 = echo2.sockets.length;
    const res = await prompt('change upstream', () => api(server, 'POST', '/proxies/u-upstream', { upstream: up2() }));
    assertJson(res, 200);
    assert.equal(res.json.upstream, up2());
    assert.equal(res.json.listen, listen, 'same port: listen did not change');
    assert.ok(['end', 'reset', 'closed'].includes(await closed));
    await assertEchoes(await client(port), 'new upstream');
    assert.equal(echo2.sockets.length, before2 + 1);
  });

  test('changing listen restarts on the new address; the old port is freed', async () => {
    const { port } = await createProxy(server, 'u-listen', echo.port);
    const socket = await client(port);
    const closed = waitClosed(socket);
    const res = await api(server, 'PATCH', '/proxies/u-listen', { listen: 'localhost:0' });
    assertJson(res, 200);
    const newPort = portOf(res.json.listen);
    assert.match(res.json.listen, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(newPort, port, 'port 0 always differs and binds a new port');
    assert.ok(['end', 'reset', 'closed'].includes(await closed));
    assert.equal(await tryConnect(port), 'ECONNREFUSED');
    await assertEchoes(await client(newPort), 'moved');
  });

  test('localhost:<port> on a proxy bound at 127.0.0.1:<port> is not a change (no restart)', async () => {
    const { port, listen } = await createProxy(server, 'u-same', echo.port);
    const socket = await client(port);
    await assertEchoes(socket, 'before');
    const res = await api(server, 'PATCH', '/proxies/u-same', { listen: `localhost:${port}` });
    assertJson(res, 200);
    assert.equal(res.json.listen, listen);
    await assertEchoes(socket, 'still open');
  });

  test('toxics survive an upstream change and disable/enable', async () => {
    const { port } = await createProxy(server, 'u-toxics', echo.port);
    await addToxic(server, 'u-toxics', { name: 'up1', type: 'latency', stream: 'upstream', attributes: { latency: 1 } });
    await addToxic(server, 'u-toxics', { name: 'down1', type: 'noop' });
    const toxics = (await api(server, 'GET', '/proxies/u-toxics/toxics')).text;
    assert.equal((await api(server, 'PATCH', '/proxies/u-toxics', { upstream: up2() })).status, 200);
    assert.equal((await api(server, 'GET', '/proxies/u-toxics/toxics')).text, toxics);
    assert.equal((await api(server, 'PATCH', '/proxies/u-toxics', { enabled: false })).status, 200);
    assert.equal((await api(server, 'GET', '/proxies/u-toxics/toxics')).text, toxics);
    const on = await api(server, 'PATCH', '/proxies/u-toxics', { enabled: true });
    assert.equal(JSON.stringify(on.json.toxics), toxics);
    await assertEchoes(await client(port), 'through the toxics');
  });

  test('bad listen → 500 with the resolver message, proxy unchanged and still serving', async () => {
    const { port } = await createProxy(server, 'u-bogus', echo.port);
    const before = (await api(server, 'GET', '/proxies/u-bogus')).text;
    const socket = await client(port);
    assertError(await api(server, 'PATCH', '/proxies/u-bogus', { listen: 'bogus' }), 500, 'address bogus: missing port in address');
    assert.equal((await api(server, 'GET', '/proxies/u-bogus')).text, before);
    await assertEchoes(socket, 'unaffected');
  });

  test('listen on a taken port → 500 bind error, proxy left disabled with the new values', async () => {
    const { port } = await createProxy(server, 'u-busy', echo.port);
    const blocker = await bindPort(0);
    servers.push(blocker);
    const taken = (blocker.address() as { port: number }).port;
    const res = await api(server, 'PATCH', '/proxies/u-busy', { listen: `127.0.0.1:${taken}` });
    assertError(res, 500, `listen tcp 127.0.0.1:${taken}: bind: address already in use`);
    const shown = (await api(server, 'GET', '/proxies/u-busy')).json;
    assert.equal(shown.enabled, false);
    assert.equal(shown.listen, `127.0.0.1:${taken}`);
    assert.equal(await tryConnect(port), 'ECONNREFUSED', 'the old listener was stopped');
  });

  test('wrong types → 400 naming the field, nothing changes', async () => {
    const { port } = await createProxy(server, 'u-types', echo.port);
    const before = (await api(server, 'GET', '/proxies/u-types')).text;
    const socket = await client(port);
    for (const [body, field] of [
      [{ enabled: 'no' }, 'enabled'],
      [{ upstream: 7, enabled: false }, 'upstream'],
      [{ listen: false }, 'listen'],
    ] as const) {
      const message = assertErrorStartsWith(await api(server, 'PATCH', '/proxies/u-types', body), 400, 'bad request body: ');
      assert.ok(message.includes(field), message);
    }
    assertError(await api(server, 'POST', '/proxies/u-types', ''), 400, 'bad request body: EOF');
    assertErrorStartsWith(await api(server, 'POST', '/proxies/u-types', '{'), 400, 'bad request body: ');
    assert.equal((await api(server, 'GET', '/proxies/u-types')).text, before);
    await assertEchoes(socket, 'unchanged');
  });

  test('update keys are case-insensitive and null keeps the current value', async () => {
    const { listen } = await createProxy(server, 'u-case', echo.port);
    const res = await api(server, 'PATCH', '/proxies/u-case', { UPSTREAM: up2(), Enabled: null, listen: null });
    assertJson(res, 200);
    assert.equal(res.json.upstream, up2());
    assert.equal(res.json.enabled, true);
    assert.equal(res.json.listen, listen);
  });
});

describe('DELETE /proxies/{p}', () => {
  test('204 empty, then 404; live connections closed; port free at once', async () => {
    const { port } = await createProxy(server, 'd-basic', echo.port);
    const socket = await client(port);
    await assertEchoes(socket, 'before delete');
    const closed = waitClosed(socket);
    const res = await prompt('delete', () => api(server, 'DELETE', '/proxies/d-basic'));
    assertNoContent(res);
    // Bind the port ourselves right after the 204: the listener must already be closed.
    const reuse = await bindPort(port);
    servers.push(reuse);
    assert.ok(['end', 'reset', 'closed'].includes(await closed));
    assertError(await api(server, 'GET', '/proxies/d-basic'), 404, 'proxy not found');
    assertError(await api(server, 'DELETE', '/proxies/d-basic'), 404, 'proxy not found');
    assert.equal((await api(server, 'GET', '/proxies')).json['d-basic'], undefined);
  });

  test('a deleted name can be created again, without the old toxics', async () => {
    await createProxy(server, 'd-again', echo.port);
    await addToxic(server, 'd-again', { type: 'latency' });
    assertNoContent(await api(server, 'DELETE', '/proxies/d-again'));
    const { port } = await createProxy(server, 'd-again', echo.port);
    assert.deepEqual((await api(server, 'GET', '/proxies/d-again')).json.toxics, []);
    await assertEchoes(await client(port), 'reborn');
  });

  test('deleting a disabled proxy works', async () => {
    await createProxy(server, 'd-disabled', echo.port, { enabled: false });
    assertNoContent(await api(server, 'DELETE', '/proxies/d-disabled'));
    assertError(await api(server, 'GET', '/proxies/d-disabled'), 404, 'proxy not found');
  });

  test('a body on DELETE is ignored', async () => {
    await createProxy(server, 'd-body', echo.port);
    assertNoContent(await api(server, 'DELETE', '/proxies/d-body', '{garbage'));
    assertError(await api(server, 'GET', '/proxies/d-body'), 404, 'proxy not found');
  });

  test('delete with many live connections answers promptly and closes them all', async () => {
    const { port } = await createProxy(server, 'd-many', echo.port);
    const clients = await Promise.all(Array.from({ length: 20 }, () => client(port)));
    await waitFor(() => clients.every((c) => c.readyState === 'open'), 'clients connected');
    const closed = clients.map((c) => waitClosed(c));
    assertNoContent(await prompt('delete', () => api(server, 'DELETE', '/proxies/d-many')));
    for (const how of await Promise.all(closed)) assert.ok(['end', 'reset', 'closed'].includes(how), how);
  });
});
