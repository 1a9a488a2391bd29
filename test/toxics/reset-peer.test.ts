import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { readBytes, waitClosed } from '../helpers/sockets.js';
import { recordReads, rig, staysOpen } from '../helpers/toxic-extra.js';

/** How an upstream-side socket ended: 'end', 'reset' or another error code. */
function upstreamCloses(): { onSocket: (s: Socket) => void; closes: Promise<string>[] } {
  const closes: Promise<string>[] = [];
  return {
    closes,
    onSocket: (s) => {
      closes.push(waitClosed(s, 5000));
      s.on('data', (c: Buffer) => s.write(c));
      s.on('end', () => s.end());
    },
  };
}

test('reset_peer resets the client `timeout` ms after the first data', async (t) => {
  const up = upstreamCloses();
  const r = await rig(t, { onSocket: up.onSocket });
  await r.toxic({ type: 'reset_peer', attributes: { timeout: 200 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const closed = waitClosed(client, 5000);
  const sent = performance.now();
  client.write('trigger');
  assert.equal(await closed, 'reset');
  const elapsed = performance.now() - sent;
  assert.ok(elapsed >= 195, `reset after only ${elapsed.toFixed(0)} ms`);
  assert.ok(elapsed <= 200 + 200, `reset after ${elapsed.toFixed(0)} ms`);
  assert.equal(rec.total(), 0, 'reset_peer passed data on');
  assert.equal(await up.closes[0], 'reset', 'the upstream should be reset too');
});

test('reset_peer with timeout 0 resets on the first data', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'reset_peer', attributes: { timeout: 0 } });
  const client = await r.connect();
  const closed = waitClosed(client, 2000);
  client.write('x');
  assert.equal(await closed, 'reset');
});

test('an idle connection is not reset', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'reset_peer', attributes: { timeout: 50 } });
  const client = await r.connect();
  assert.ok(await staysOpen(client, 400), 'an idle connection was closed');
});

test('upstream reset_peer resets both peers after the client data', async (t) => {
  const up = upstreamCloses();
  const r = await rig(t, { onSocket: up.onSocket });
  await r.toxic({ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 150 } });
  const client = await r.connect();
  const closed = waitClosed(client, 5000);
  const sent = performance.now();
  client.write('trigger');
  assert.equal(await closed, 'reset');
  assert.ok(performance.now() - sent >= 145);
  assert.equal(await up.closes[0], 'reset');
});

test('with toxicity 0 connections close normally with FIN, not RST (Toxiproxy #603)', async (t) => {
  const up = upstreamCloses();
  const r = await rig(t, { onSocket: up.onSocket });
  await r.toxic({ type: 'reset_peer', stream: 'downstream', toxicity: 0, attributes: { timeout: 0 } });
  await r.toxic({ type: 'reset_peer', stream: 'upstream', toxicity: 0, attributes: { timeout: 0 } });

  // The client closes first.
  const a = await r.connect();
  a.write('hello');
  assert.equal((await readBytes(a, 5)).toString(), 'hello');
  const closedA = waitClosed(a);
  a.end();
  assert.equal(await closedA, 'end');
  assert.equal(await up.closes[0], 'end');

  // The upstream closes first.
  const b = await r.connect();
  b.write('hi');
  assert.equal((await readBytes(b, 2)).toString(), 'hi');
  const closedB = waitClosed(b);
  r.upstream.sockets[1]?.destroy();
  assert.equal(await closedB, 'end');
});

test('reset_peer added to a live connection resets it after the next data', async (t) => {
  const r = await rig(t);
  const client = await r.connect();
  client.write('before');
  assert.equal((await readBytes(client, 6)).toString(), 'before');
  await r.toxic({ type: 'reset_peer', attributes: { timeout: 100 } });
  const closed = waitClosed(client, 3000);
  client.write('after');
  assert.equal(await closed, 'reset');
});

test('removing reset_peer after it fired resets the connection: the stream already lost data', async (t) => {
  const r = await rig(t);
  await r.toxic({ name: 'rst', type: 'reset_peer', stream: 'upstream', attributes: { timeout: 5000 } });
  const client = await r.connect();
  const closed = waitClosed(client, 3000);
  client.write('AAAA');
  await new Promise((resolve) => setTimeout(resolve, 100));
  client.write('BBBB');
  await new Promise((resolve) => setTimeout(resolve, 100));
  await r.remove('rst');
  assert.equal(await closed, 'reset', 'no connection may go on with a gap in its stream');
});

test('removing reset_peer before any data leaves the connection intact', async (t) => {
  const r = await rig(t);
  await r.toxic({ name: 'rst', type: 'reset_peer', attributes: { timeout: 5000 } });
  const client = await r.connect();
  await r.remove('rst');
  client.write('hello');
  assert.equal((await readBytes(client, 5)).toString(), 'hello');
});

test('lowering the timeout of a reset_peer that is waiting takes effect', async (t) => {
  const r = await rig(t);
  await r.toxic({ name: 'rst', type: 'reset_peer', attributes: { timeout: 60_000 } });
  const client = await r.connect();
  const closed = waitClosed(client, 3000);
  client.write('x');
  await new Promise((resolve) => setTimeout(resolve, 100));
  await r.update('rst', { attributes: { timeout: 100 } });
  assert.equal(await closed, 'reset');
});
