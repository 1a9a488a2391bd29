import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { connectTo, readBytes, sleep, startUpstream, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let upstream: TestUpstream;

before(async () => {
  server = await startTestServer();
  upstream = await startUpstream();
});
after(async () => {
  await server.close();
  await upstream.close();
});

/** 4-byte big-endian sequence numbers, so any loss, duplication or reordering shows. */
function sequence(from: number, count: number): Buffer {
  const buf = Buffer.allocUnsafe(count * 4);
  for (let i = 0; i < count; i++) buf.writeUInt32BE(from + i, i * 4);
  return buf;
}

test('no byte is lost or reordered while toxics are added, updated and removed under load', async () => {
  const { port } = await createProxy(server, 'churn', upstream.port);
  const client = await connectTo(port);
  const total = 400_000; // numbers, 1.6 MB each way through the echo upstream
  const received = readBytes(client, total * 4, 60_000);

  let churning = true;
  const churn = (async () => {
    const kinds = [
      { type: 'latency', attributes: { latency: 1, jitter: 1 } },
      { type: 'slicer', attributes: { average_size: 64, size_variation: 32, delay: 0 } },
      { type: 'bandwidth', attributes: { rate: 20_000 } },
      { type: 'noop' },
      { type: 'slow_close', attributes: { delay: 10 } },
    ];
    let round = 0;
    while (churning) {
      const kind = kinds[round % kinds.length] as Record<string, unknown>;
      const stream = round % 2 === 0 ? 'downstream' : 'upstream';
      const name = `t${round}`;
      await addToxic(server, 'churn', { ...kind, name, stream });
      if (kind.type === 'latency') {
        await api(server, 'PATCH', `/proxies/churn/toxics/${name}`, { attributes: { latency: 2 } });
      }
      await sleep(3);
      await api(server, 'DELETE', `/proxies/churn/toxics/${name}`);
      round++;
    }
    return round;
  })();

  // Written in pieces over time so toxics come and go in the middle of the stream.
  const step = 10_000;
  for (let i = 0; i < total; i += step) {
    if (!client.write(sequence(i, step))) await new Promise((r) => client.once('drain', r));
    await sleep(2);
  }
  const data = await received;
  churning = false;
  const rounds = await churn;
  assert.ok(rounds >= 10, `expected the toxics to churn during the stream, got ${rounds} rounds`);
  for (let i = 0; i < total; i++) {
    const got = data.readUInt32BE(i * 4);
    if (got !== i) assert.fail(`byte stream broken at number ${i}: got ${got}`);
  }
  client.destroy();
});

test('removing a toxic that holds data hands every byte on in order', async () => {
  const { port } = await createProxy(server, 'held', upstream.port);
  await addToxic(server, 'held', { name: 'slow', type: 'latency', attributes: { latency: 60_000 } });
  await addToxic(server, 'held', { name: 'stall', type: 'bandwidth', attributes: { rate: 0 } });
  const client = await connectTo(port);
  client.write(sequence(0, 50_000));
  await sleep(200);
  const removed = Promise.all([
    api(server, 'DELETE', '/proxies/held/toxics/slow'),
    api(server, 'DELETE', '/proxies/held/toxics/stall'),
  ]);
  const data = await readBytes(client, 200_000, 5000);
  assert.deepEqual(
    (await removed).map((r) => r.status),
    [204, 204],
  );
  assert.ok(data.equals(sequence(0, 50_000)));
  client.destroy();
});
