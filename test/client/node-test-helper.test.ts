import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { FaultlineFixture, useFaultline } from '../../src/testing/node-test.js';

// Redis runs on this machine's standard port; the fixture declares a proxy in front of it.
const faultline = useFaultline({
  seed: 9,
  proxies: [
    { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' },
    { name: 'slow-redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379', toxics: [{ name: 'slow', type: 'latency', attributes: { latency: 1 } }] },
  ],
});

async function ping(port: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.write('PING\r\n');
  const [reply] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return reply.toString();
}

test('the fixture starts a server in-process and declares the proxies', async () => {
  const redis = await faultline.client.proxy('redis');
  assert.equal(await ping(redis.port), '+PONG\r\n');
  await redis.addToxic({ name: 'left-behind', type: 'latency', attributes: { latency: 1 } });
  await redis.disable();
});

test('toxics the fixture declares are in place in every test, after the reset', async () => {
  const slow = await faultline.client.proxy('slow-redis');
  assert.deepEqual(slow.toxics.map((t) => t.name), ['slow']);
  await (await slow.toxic('slow')).remove();
});

test('... including the test after one that removed them', async () => {
  assert.deepEqual((await faultline.client.proxy('slow-redis')).toxics.map((t) => t.name), ['slow']);
});

test('each test starts clean: toxics from the last test are gone and proxies are enabled', async () => {
  const redis = await faultline.client.proxy('redis');
  assert.deepEqual(redis.toxics, []);
  assert.equal(redis.enabled, true);
  assert.equal(await ping(redis.port), '+PONG\r\n');
});

test('a fixture pointed at a server that is not there fails with a message saying what to do', async () => {
  const fixture = new FaultlineFixture({ url: 'http://127.0.0.1:9' });
  await assert.rejects(fixture.setup(), /no server reachable at http:\/\/127\.0\.0\.1:9\. Start one with "npx faultline server"/);
  assert.throws(() => fixture.client, /used before setup\(\)/);
});
