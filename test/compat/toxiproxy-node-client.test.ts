import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Toxiproxy, ToxiproxyError, type Latency, type Proxy } from 'toxiproxy-node-client';
import type { RunningServer } from '../../src/server/index.js';
import { startTestServer } from '../helpers/server.js';
import { connectTo, readBytes, roundTrip, startUpstream, type TestUpstream } from '../helpers/sockets.js';

/**
 * Drives faultline with the published npm client `toxiproxy-node-client` (a real client that
 * nobody here wrote), through the calls its users make.
 */
let server: RunningServer;
let echo: TestUpstream;
let toxiproxy: Toxiproxy;

before(async () => {
  server = await startTestServer();
  echo = await startUpstream();
  toxiproxy = new Toxiproxy(server.url);
});
after(async () => {
  await server.close();
  await echo.close();
});

const portOf = (proxy: Proxy) => Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));

test('version, create, get and list', async () => {
  assert.equal(JSON.parse(await toxiproxy.getVersion()).version, '2.12.0');
  const proxy = await toxiproxy.createProxy({ name: 'node-client', listen: 'localhost:0', upstream: `127.0.0.1:${echo.port}` });
  assert.equal(proxy.name, 'node-client');
  assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/);
  assert.equal(proxy.enabled, true);
  const fetched = await toxiproxy.get('node-client');
  assert.equal(fetched.listen, proxy.listen);
  const all = await toxiproxy.getAll();
  assert.deepEqual(Object.keys(all), ['node-client']);
  assert.equal(all['node-client']?.upstream, `127.0.0.1:${echo.port}`);
});

test('a latency toxic added, updated and removed through the client acts on traffic', async () => {
  const proxy = await toxiproxy.get('node-client');
  const client = await connectTo(portOf(proxy));
  const toxic = await proxy.addToxic<Latency>({
    name: 'slow',
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: 150, jitter: 0 },
  });
  assert.equal(toxic.name, 'slow');
  assert.deepEqual(toxic.attributes, { latency: 150, jitter: 0 });
  assert.ok((await roundTrip(client, 'ping')) >= 145);

  const updated = await toxic.update({ ...toxic.toJson(), attributes: { latency: 10, jitter: 0 } });
  assert.equal(updated.attributes.latency, 10);
  const fetched = await proxy.getToxic<Latency>('slow');
  assert.equal(fetched.attributes.latency, 10);

  await toxic.remove();
  assert.ok((await roundTrip(client, 'pong')) < 140);
  await assert.rejects(proxy.getToxic('slow'), ToxiproxyError);
  client.destroy();
});

test('disable and enable through update, as the client does it (POST)', async () => {
  const proxy = await toxiproxy.get('node-client');
  const port = portOf(proxy);
  const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
  assert.equal(disabled.enabled, false);
  await assert.rejects(connectTo(port), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
  const enabled = await disabled.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
  assert.equal(enabled.enabled, true);
  assert.equal(enabled.listen, proxy.listen, 'the port is kept across disable and enable');
  const client = await connectTo(port);
  client.write('back');
  assert.equal((await readBytes(client, 4)).toString(), 'back');
  client.destroy();
});

test('populate, reset and remove', async () => {
  const proxies = await toxiproxy.populate([
    { name: 'pop-a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` },
    { name: 'pop-b', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}`, enabled: false },
  ]);
  assert.deepEqual(Object.keys(proxies).sort(), ['pop-a', 'pop-b']);
  assert.equal(proxies['pop-b']?.enabled, false);
  // An empty populate must not break the client (Toxiproxy answers {"proxies":null}).
  assert.deepEqual(await toxiproxy.populate([]), {});

  await proxies['pop-a']?.addToxic({ name: 'cut', type: 'bandwidth', stream: 'upstream', toxicity: 1, attributes: { rate: 0 } });
  await toxiproxy.reset();
  const afterReset = await toxiproxy.get('pop-a');
  assert.deepEqual(afterReset.toJson().toxics ?? [], []);
  assert.equal((await toxiproxy.get('pop-b')).enabled, true);

  await afterReset.remove();
  await assert.rejects(toxiproxy.get('pop-a'), (err: Error) => err.message.includes('404'));
});

test('errors surface as the client expects: a failed request, never a hang', async () => {
  await assert.rejects(
    toxiproxy.createProxy({ name: 'node-client', listen: '127.0.0.1:0', upstream: 'x:1' }),
    (err: Error) => err instanceof ToxiproxyError && err.message.includes('409'),
  );
  const proxy = await toxiproxy.get('node-client');
  await assert.rejects(
    proxy.addToxic({ name: 'bad', type: 'down' as never, stream: 'downstream', toxicity: 1, attributes: {} }),
    (err: Error) => err.message.includes('400'),
  );
});
