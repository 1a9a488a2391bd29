import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import { addToxic, createProxy, startTestServer } from '../helpers/server.js';
import { collect, connectTo, startUpstream, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let upstream: TestUpstream;

before(async () => {
  server = await startTestServer();
  // A server that answers only once the client has finished sending (FIN), like a
  // request/response protocol over a half-closed socket.
  upstream = await startUpstream((socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      const request = Buffer.concat(chunks);
      const reply = Buffer.alloc(256 * 1024, request.toString().toUpperCase());
      socket.end(reply);
    });
  });
});
after(async () => {
  await server.close();
  await upstream.close();
});

for (const withToxics of [false, true]) {
  test(`a client's FIN reaches the upstream and the whole reply comes back (${withToxics ? 'with' : 'without'} toxics)`, async () => {
    const name = `half-${withToxics}`;
    const { port } = await createProxy(server, name, upstream.port);
    if (withToxics) {
      await addToxic(server, name, { type: 'latency', stream: 'upstream', attributes: { latency: 20 } });
      await addToxic(server, name, { type: 'latency', stream: 'downstream', attributes: { latency: 20 } });
    }
    const client = await connectTo(port, { allowHalfOpen: true });
    const done = collect(client);
    client.end('ping');
    const { data, error } = await done;
    assert.equal(error, null);
    assert.equal(data.length, 256 * 1024, 'the reply sent after the FIN arrives whole');
    assert.ok(data.equals(Buffer.alloc(256 * 1024, 'PING')));
  });
}
