import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { sleep, waitClosed } from '../helpers/sockets.js';
import { recordReads, rig, staysOpen } from '../helpers/toxic-extra.js';

test('timeout drops data and closes about `timeout` ms after the last data', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'timeout', attributes: { timeout: 300 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const closed = waitClosed(client, 5000);
  const start = performance.now();
  // Each echo restarts the idle timer on the downstream direction.
  let lastSent = start;
  for (const word of ['one', 'two', 'three']) {
    lastSent = performance.now();
    client.write(word);
    await sleep(150);
  }
  assert.equal(await closed, 'end');
  const closedAt = performance.now();
  assert.equal(rec.total(), 0, 'timeout let data through');
  assert.ok(closedAt - start >= 300 + 295, `closed after ${(closedAt - start).toFixed(0)} ms despite traffic`);
  const idle = closedAt - lastSent;
  assert.ok(idle >= 295, `closed ${idle.toFixed(0)} ms after the last data`);
  assert.ok(idle <= 300 + 200, `closed ${idle.toFixed(0)} ms after the last data`);
});

test('an idle new connection is closed after `timeout` ms', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'timeout', attributes: { timeout: 300 } });
  const client = await r.connect();
  const start = performance.now();
  assert.equal(await waitClosed(client), 'end');
  const elapsed = performance.now() - start;
  assert.ok(elapsed >= 290, `closed after only ${elapsed.toFixed(0)} ms`);
  assert.ok(elapsed <= 300 + 200, `closed after ${elapsed.toFixed(0)} ms`);
});

test('timeout 0 drops data and holds the connection open', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'timeout', attributes: { timeout: 0 } });
  const client = await r.connect();
  const rec = recordReads(client);
  client.write('anyone there?');
  assert.ok(await staysOpen(client, 500), 'timeout 0 closed the connection');
  assert.equal(rec.total(), 0);
  assert.equal(r.upstream.sockets.length, 1);
  assert.equal(r.upstream.sockets[0]?.destroyed, false, 'the upstream connection was closed');
});

test('removing the toxic closes the connections it held', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'timeout', attributes: { timeout: 0 } });
  const a = await r.connect();
  const b = await r.connect();
  a.write('lost');
  assert.ok(await staysOpen(a, 100));
  const closedA = waitClosed(a, 2000);
  const closedB = waitClosed(b, 2000);
  const start = performance.now();
  await r.remove('timeout_downstream');
  assert.equal(await closedA, 'end');
  assert.equal(await closedB, 'end');
  assert.ok(performance.now() - start < 1000);
  // A new connection after the removal is not affected.
  const c = await r.connect();
  c.write('ok');
  const rec = recordReads(c);
  await sleep(100);
  assert.equal(rec.bytes().toString(), 'ok');
});

test('upstream timeout drops the client data and closes after `timeout` ms without it', async (t) => {
  let upstreamGot = 0;
  const r = await rig(t, { onSocket: (s: Socket) => s.on('data', (c: Buffer) => (upstreamGot += c.length)) });
  await r.toxic({ type: 'timeout', stream: 'upstream', attributes: { timeout: 250 } });
  const client = await r.connect();
  const closed = waitClosed(client, 5000);
  client.write('hello');
  await sleep(150);
  const lastSent = performance.now();
  client.write('world');
  assert.equal(await closed, 'end');
  const idle = performance.now() - lastSent;
  assert.equal(upstreamGot, 0, 'timeout let data through to the upstream');
  assert.ok(idle >= 245, `closed ${idle.toFixed(0)} ms after the last data`);
  assert.ok(idle <= 250 + 200, `closed ${idle.toFixed(0)} ms after the last data`);
});

test('an update of the timeout restarts the idle timer with the new value', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'timeout', attributes: { timeout: 0 } });
  const client = await r.connect();
  assert.ok(await staysOpen(client, 200));
  const closed = waitClosed(client, 3000);
  const start = performance.now();
  await r.update('timeout_downstream', { attributes: { timeout: 200 } });
  assert.equal(await closed, 'end');
  const elapsed = performance.now() - start;
  assert.ok(elapsed >= 190 && elapsed <= 200 + 250, `closed ${elapsed.toFixed(0)} ms after the update`);
});
