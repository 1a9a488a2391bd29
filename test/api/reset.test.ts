/**
 * Conformance of POST /reset (reference §2.5.5): every proxy enabled, every toxic removed,
 * proxies and their addresses kept, unaffected live connections kept.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import { assertEchoes, assertJson, assertNoContent, portOf, prompt, tryConnect } from '../helpers/api-extra.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { socketTracker, startUpstream, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let echo: TestUpstream;
const clients = socketTracker();

const client = clients.connect;

before(async () => {
  echo = await startUpstream();
});

// Reset acts on every proxy, so each test gets its own server.
beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  clients.destroyAll();
  await server.close();
});

after(async () => {
  await echo.close();
});

describe('POST /reset', () => {
  test('204 with an empty body on a server without proxies', async () => {
    const res = await api(server, 'POST', '/reset');
    assertNoContent(res);
    assert.equal((await api(server, 'GET', '/proxies')).text, '{}');
  });

  test('re-enables disabled proxies on their port, removes every toxic, keeps proxies and listen', async () => {
    const a = await createProxy(server, 'a', echo.port);
    const b = await createProxy(server, 'b', echo.port);
    await addToxic(server, 'a', { name: 'up', type: 'latency', stream: 'upstream', attributes: { latency: 1 } });
    await addToxic(server, 'a', { name: 'down', type: 'bandwidth', attributes: { rate: 1000 } });
    await addToxic(server, 'b', { type: 'noop' });
    assertJson(await api(server, 'PATCH', '/proxies/b', { enabled: false }), 200);
    assert.equal(await tryConnect(b.port), 'ECONNREFUSED');

    assertNoContent(await prompt('reset', () => api(server, 'POST', '/reset')));

    const all = (await api(server, 'GET', '/proxies')).json as Record<string, { listen: string; enabled: boolean; toxics: unknown[] }>;
    assert.deepEqual(Object.keys(all), ['a', 'b']);
    assert.equal(all.a?.listen, a.listen);
    assert.equal(all.b?.listen, b.listen, 'the re-enabled proxy keeps its port');
    assert.equal(all.a?.enabled, true);
    assert.equal(all.b?.enabled, true);
    assert.deepEqual(all.a?.toxics, []);
    assert.deepEqual(all.b?.toxics, []);
    assert.equal((await api(server, 'GET', '/proxies/a/toxics')).text, '[]');
    await assertEchoes(await client(b.port), 'b is bound again');
    await assertEchoes(await client(a.port), 'a still works');
  });

  test('a proxy created disabled is bound by reset and reports its address', async () => {
    const res = await api(server, 'POST', '/proxies', {
      name: 'late',
      listen: 'localhost:0',
      upstream: `127.0.0.1:${echo.port}`,
      enabled: false,
    });
    assert.equal(res.json.listen, 'localhost:0');
    assertNoContent(await api(server, 'POST', '/reset'));
    const shown = (await api(server, 'GET', '/proxies/late')).json;
    assert.equal(shown.enabled, true);
    assert.match(shown.listen, /^127\.0\.0\.1:\d+$/);
    await assertEchoes(await client(portOf(shown.listen)), 'bound by reset');
  });

  test('live connections stay open, with or without toxics removed under them', async () => {
    const plain = await createProxy(server, 'plain', echo.port);
    const toxic = await createProxy(server, 'toxic', echo.port);
    await addToxic(server, 'toxic', { type: 'latency', attributes: { latency: 5 } });
    await addToxic(server, 'toxic', { type: 'slicer', stream: 'upstream', attributes: { average_size: 2 } });
    const s1 = await client(plain.port);
    const s2 = await client(toxic.port);
    await assertEchoes(s1, 'plain before');
    await assertEchoes(s2, 'toxic before');
    assertNoContent(await prompt('reset', () => api(server, 'POST', '/reset')));
    await assertEchoes(s1, 'plain after');
    await assertEchoes(s2, 'toxic after');
  });

  test('the body is ignored', async () => {
    await createProxy(server, 'x', echo.port);
    await addToxic(server, 'x', { type: 'noop' });
    assertNoContent(await api(server, 'POST', '/reset', '{not json'));
    assert.equal((await api(server, 'GET', '/proxies/x/toxics')).text, '[]');
  });

  test('reset twice is fine, and toxics can be added again afterwards', async () => {
    await createProxy(server, 'again', echo.port);
    await addToxic(server, 'again', { type: 'latency' });
    assertNoContent(await api(server, 'POST', '/reset'));
    assertNoContent(await api(server, 'POST', '/reset'));
    const res = await api(server, 'POST', '/proxies/again/toxics', { type: 'latency' });
    assertJson(res, 200);
    assert.equal(res.json.name, 'latency_downstream', 'the old name is free again');
  });
});
