import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ConnectionJson } from '../../src/api/events.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { addToxic, api, createProxy } from '../helpers/server.js';
import { connectTo, readBytes, startUpstream, waitClosed, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let echo: TestUpstream;

before(async () => {
  server = await startServer({ port: 0 });
  echo = await startUpstream();
});
after(async () => {
  await server.close();
  await echo.close();
});

test('live connections are listed with their client, bytes and toxics, and can be closed one by one', async () => {
  const { port } = await createProxy(server, 'listed', echo.port);
  await addToxic(server, 'listed', { name: 'up', type: 'noop', stream: 'upstream' });
  const first = await connectTo(port);
  const second = await connectTo(port);
  first.write('hello');
  await readBytes(first, 5);

  const res = await api(server, 'GET', '/proxies/listed/connections');
  assert.equal(res.status, 200);
  const list = res.json as ConnectionJson[];
  assert.equal(list.length, 2);
  const mine = list.find((c) => c.client === `127.0.0.1:${first.localPort}`);
  assert.ok(mine, `the first client is listed: ${JSON.stringify(list)}`);
  assert.deepEqual(mine.bytes, { upstream: { received: 5, sent: 5 }, downstream: { received: 5, sent: 5 } });
  assert.deepEqual(mine.toxics, { upstream: ['up'], downstream: [] });
  assert.ok(Date.now() - Date.parse(mine.opened_at) < 10_000);

  const closed = waitClosed(first);
  assert.equal((await api(server, 'DELETE', `/proxies/listed/connections/${mine.id}`)).status, 204);
  assert.ok(['end', 'reset', 'closed'].includes(await closed));
  second.write('still');
  assert.equal((await readBytes(second, 5)).toString(), 'still', 'the other connection is untouched');

  const missing = await api(server, 'DELETE', `/proxies/listed/connections/${mine.id}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error, 'connection not found');
  assert.equal((await api(server, 'GET', '/proxies/nope/connections')).status, 404);
  second.destroy();
});
