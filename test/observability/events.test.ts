import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FaultlineEvent } from '../../src/api/events.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { addToxic, api, createProxy } from '../helpers/server.js';
import { connectTo, readBytes, sleep, startUpstream, waitClosed, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let echo: TestUpstream;

before(async () => {
  server = await startServer({ port: 0, seed: 5 });
  echo = await startUpstream();
});
after(async () => {
  await server.close();
  await echo.close();
});

/** Subscribes to /events over real HTTP and parses the Server-Sent Events as they come. */
async function subscribe(query = '') {
  const controller = new AbortController();
  const res = await fetch(`${server.url}/events${query}`, { headers: { 'User-Agent': 'tests' }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: FaultlineEvent[] = [];
  const names: string[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (name !== undefined && data !== undefined) {
            names.push(name);
            events.push(JSON.parse(data) as FaultlineEvent);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    names,
    close: async () => {
      controller.abort();
      await pump;
    },
  };
}

test('the stream tells what happens: proxies, toxics, connections with bytes, rolls, failures', async () => {
  const stream = await subscribe();
  const { port } = await createProxy(server, 'watched', echo.port);
  await addToxic(server, 'watched', { name: 'lag', type: 'latency', attributes: { latency: 1 } });
  await addToxic(server, 'watched', { name: 'never', type: 'noop', toxicity: 0 });
  const socket = await connectTo(port);
  socket.write('abc');
  await readBytes(socket, 3);
  socket.end();
  await waitClosed(socket);
  await api(server, 'PATCH', '/proxies/watched/toxics/lag', { attributes: { latency: 2 } });
  await api(server, 'DELETE', '/proxies/watched/toxics/lag');
  await createProxy(server, 'broken', 1);
  await waitClosed(await connectTo(Number((await api(server, 'GET', '/proxies/broken')).json.listen.split(':')[1])));
  await api(server, 'DELETE', '/proxies/watched');
  await sleep(100);
  await stream.close();

  const watched = stream.events.filter((e) => e.proxy === 'watched').map((e) => e.type);
  assert.deepEqual(watched, [
    'proxy-created',
    'toxic-added',
    'toxic-added',
    'connection-opened',
    'toxic-applied',
    'toxic-skipped',
    'connection-closed',
    'toxic-updated',
    'toxic-removed',
    'proxy-deleted',
  ]);
  assert.deepEqual(stream.names.filter((_, i) => stream.events[i]?.proxy === 'watched'), watched, 'the SSE event name is the type');
  const closed = stream.events.find((e) => e.type === 'connection-closed');
  assert.ok(closed?.type === 'connection-closed');
  assert.deepEqual(closed.bytes, { upstream: { received: 3, sent: 3 }, downstream: { received: 3, sent: 3 } });
  const skipped = stream.events.find((e) => e.type === 'toxic-skipped');
  assert.ok(skipped?.type === 'toxic-skipped' && skipped.toxic === 'never' && skipped.toxicity === 0);
  const failed = stream.events.find((e) => e.type === 'upstream-failed');
  assert.ok(failed?.type === 'upstream-failed' && failed.proxy === 'broken' && failed.upstream === '127.0.0.1:1');
  for (const e of stream.events) assert.ok(Math.abs(Date.now() - Date.parse(e.at)) < 60_000, 'every event has a timestamp');
});

test('?proxy= narrows the stream to one proxy', async () => {
  const stream = await subscribe('?proxy=mine');
  await createProxy(server, 'mine', echo.port);
  await createProxy(server, 'theirs', echo.port);
  await sleep(50);
  await stream.close();
  assert.deepEqual(stream.events.map((e) => [e.type, e.proxy]), [['proxy-created', 'mine']]);
});
