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

  const kinds: Record<string, unknown>[] = [
    { type: 'latency', attributes: { latency: 1, jitter: 1 } },
    { type: 'slicer', attributes: { average_size: 64, size_variation: 32, delay: 0 } },
    { type: 'bandwidth', attributes: { rate: 20_000 } },
    { type: 'noop' },
    { type: 'slow_close', attributes: { delay: 10 } },
  ];
  // Each piece of the stream is followed by one toxic change, so changes land in the middle of
  // the stream however fast or slow the machine is: add, retune, then remove, in turn.
  const step = 10_000;
  let operations = 0;
  for (let i = 0, round = 0; i < total; i += step, round++) {
    if (!client.write(sequence(i, step))) await new Promise((r) => client.once('drain', r));
    const toxic = Math.floor(round / 3);
    const name = `t${toxic}`;
    const kind = kinds[toxic % kinds.length] as Record<string, unknown>;
    let res;
    if (round % 3 === 0) {
      res = await api(server, 'POST', '/proxies/churn/toxics', { ...kind, name, stream: toxic % 2 === 0 ? 'downstream' : 'upstream' });
    } else if (round % 3 === 1) {
      res = await api(server, 'PATCH', `/proxies/churn/toxics/${name}`, { toxicity: 1 });
    } else {
      res = await api(server, 'DELETE', `/proxies/churn/toxics/${name}`);
    }
    assert.ok(res.status < 300, `${res.status} ${res.text}`);
    operations++;
  }
  const data = await received;
  assert.equal(operations, total / step);
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
