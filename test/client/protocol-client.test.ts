/** The typed client on an http proxy: protocol, request-level toxics, the fault log. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Faultline } from '../../src/client/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { httpRequest, startHttpUpstream, type HttpUpstream } from '../helpers/http.js';
import { api, startTestServer } from '../helpers/server.js';

let server: RunningServer;
let up: HttpUpstream;
before(async () => {
  server = await startTestServer();
  up = await startHttpUpstream();
});
after(async () => {
  await server.close();
  await up.close();
});

test('an http proxy, a scoped error toxic, and the fault log a test asserts on', async () => {
  const client = new Faultline(server.url);
  const proxy = await client.createProxy({ name: 'ratings', listen: '127.0.0.1:0', upstream: `127.0.0.1:${up.port}`, protocol: 'http' });
  assert.equal(proxy.protocol, 'http');
  assert.equal(proxy.toJSON().protocol, 'http');

  const seen = await proxy.withToxic({ type: 'error', name: 'second', attributes: { status: 503, nth: [2] } }, async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await httpRequest(proxy.port, { path: `/r${i}`, agent: false })).status);
    return statuses;
  });
  assert.deepEqual(seen, [200, 503, 200]);
  assert.deepEqual((await proxy.refresh()).toxics, [], 'the scoped toxic was removed');

  const faults = await proxy.faults();
  assert.equal(faults.length, 1);
  assert.equal(faults[0]?.path, '/r1');
  assert.equal(faults[0]?.action, 'answered 503');
  assert.deepEqual(await proxy.faults({ toxic: 'other' }), []);
  await proxy.clearFaults();
  assert.deepEqual(await proxy.faults(), []);
});

test('an attribute the type does not have is a TypeError, and nothing is sent', async () => {
  const client = new Faultline(server.url);
  const proxy = await client.createProxy({ name: 'typos', listen: '127.0.0.1:0', upstream: `127.0.0.1:${up.port}` });
  await assert.rejects(
    proxy.addToxic({ type: 'latency', attributes: { latancy: 100 } as never }),
    (err: Error) => err instanceof TypeError && err.message === 'latency toxic has no attribute "latancy"; valid attributes: latency, jitter',
  );
  assert.deepEqual((await api(server, 'GET', '/proxies/typos/toxics')).json, []);
  const toxic = await proxy.addToxic({ type: 'latency', attributes: { latency: 10 } });
  await assert.rejects(toxic.update({ attributes: { jiter: 5 } as never }), TypeError);
  // The server's text stays Toxiproxy's; the client says which type, and which exist.
  const raw = await api(server, 'POST', '/proxies/typos/toxics', { type: 'latancy' });
  assert.equal(raw.json.error, 'invalid toxic type');
  await assert.rejects(proxy.addToxic({ type: 'latancy' } as never), (err: Error) =>
    /^invalid toxic type "latancy"; expected one of noop, latency, .*slow_headers$/.test(err.message),
  );
});
