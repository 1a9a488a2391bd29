import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { roundTrip, waitClosed } from '../helpers/sockets.js';
import { rig, type Rig } from '../helpers/toxic-extra.js';

/**
 * Sends one byte through an echo path guarded by `limit_data` 0 downstream: the echo comes back
 * when the toxic was spared for this connection, the connection closes when it applied.
 */
async function applied(client: Socket): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither echo nor close')), 3000);
    client.once('data', () => {
      clearTimeout(timer);
      resolve(false);
    });
    client.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    client.resume();
    client.write('?');
  });
}

/** Opens `n` connections one after another and says which got the toxic. */
async function pattern(r: Rig, n: number): Promise<boolean[]> {
  const result: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const client = await r.connect();
    result.push(await applied(client));
    client.destroy();
  }
  return result;
}

const cut = { type: 'limit_data', name: 'cut', attributes: { bytes: 0 } };

test('toxicity 0 never applies the toxic', async (t) => {
  const r = await rig(t);
  await r.toxic({ ...cut, toxicity: 0 });
  assert.deepEqual(await pattern(r, 20), new Array(20).fill(false));
});

test('toxicity 1 always applies the toxic', async (t) => {
  const r = await rig(t);
  await r.toxic({ ...cut, toxicity: 1 });
  assert.deepEqual(await pattern(r, 20), new Array(20).fill(true));
});

test('toxicity 0.5 applies to some connections and spares others', async (t) => {
  const r = await rig(t);
  await r.toxic({ ...cut, toxicity: 0.5 });
  const hits = (await pattern(r, 60)).filter(Boolean).length;
  assert.ok(hits >= 15 && hits <= 45, `${hits} of 60 connections got a 0.5 toxic`);
});

test('rolls are reproducible: the same seed gives the same pattern, another seed another', async (t) => {
  const run = async (seed: number) => {
    const r = await rig(t, { seed });
    await r.toxic({ ...cut, toxicity: 0.5 });
    return (await pattern(r, 40)).map((hit) => (hit ? 'X' : '.')).join('');
  };
  const first = await run(1234);
  const second = await run(1234);
  const other = await run(99);
  assert.equal(second, first);
  assert.match(first, /X/);
  assert.match(first, /\./);
  assert.notEqual(other, first);
});

test('rolls are sticky per connection, across chunks and across updates of the toxic', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'latency', name: 'slow', toxicity: 0.5, attributes: { latency: 300 } });
  const clients: Socket[] = [];
  for (let i = 0; i < 16; i++) clients.push(await r.connect());
  const slow = (ms: number) => ms >= 150;
  const measure = () => Promise.all(clients.map((c, i) => roundTrip(c, `c${i}`)));

  const firsts = (await measure()).map(slow);
  assert.ok(firsts.includes(true) && firsts.includes(false), `pattern ${firsts}`);
  assert.deepEqual((await measure()).map(slow), firsts, 'a roll changed between chunks');

  await r.update('slow', { attributes: { latency: 310 } });
  await r.toxic({ type: 'noop', name: 'unrelated' });
  assert.deepEqual((await measure()).map(slow), firsts, 'a roll changed after an update');
});

test('raising toxicity from 0 to 1 applies the toxic to a live connection', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'timeout', name: 'hang', toxicity: 0, attributes: { timeout: 100 } });
  const client = await r.connect();
  assert.ok((await roundTrip(client, 'spared')) < 100);
  const closed = waitClosed(client, 3000);
  const start = performance.now();
  await r.update('hang', { toxicity: 1 });
  client.write('dropped');
  assert.equal(await closed, 'end');
  const elapsed = performance.now() - start;
  assert.ok(elapsed >= 95 && elapsed < 1000, `closed ${elapsed.toFixed(0)} ms after the update`);
});

test('lowering toxicity from 1 to 0 lifts a latency toxic from a live connection', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'latency', name: 'slow', toxicity: 1, attributes: { latency: 200 } });
  const client = await r.connect();
  assert.ok((await roundTrip(client, 'slow')) >= 195);
  await r.update('slow', { toxicity: 0 });
  assert.ok((await roundTrip(client, 'fast')) < 100);
});
