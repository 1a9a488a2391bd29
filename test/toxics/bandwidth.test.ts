import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { readBytes, sleep } from '../helpers/sockets.js';
import { assertSequence, echoThenClose, recordReads, rig, sequence, until, writeAll } from '../helpers/toxic-extra.js';

test('rate 1000 KB/s moves 500 KB in about 500 ms, intact', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'bandwidth', attributes: { rate: 1000 } });
  const client = await r.connect();
  const payload = sequence(500_000 / 4);
  const start = performance.now();
  const received = readBytes(client, payload.length, 5000);
  await writeAll(client, payload);
  const got = await received;
  const elapsed = performance.now() - start;
  assertSequence(got, payload.length / 4);
  assert.ok(elapsed >= 375, `500 KB at 1000 KB/s took only ${elapsed.toFixed(0)} ms`);
  assert.ok(elapsed <= 700, `500 KB at 1000 KB/s took ${elapsed.toFixed(0)} ms`);
});

test('upstream bandwidth limits data from the client', async (t) => {
  let upstreamGot = 0;
  let doneAt = NaN;
  const total = 250_000;
  const r = await rig(t, {
    onSocket: (s: Socket) =>
      s.on('data', (c: Buffer) => {
        upstreamGot += c.length;
        if (upstreamGot >= total) doneAt = performance.now();
      }),
  });
  await r.toxic({ type: 'bandwidth', stream: 'upstream', attributes: { rate: 500 } });
  const client = await r.connect();
  const start = performance.now();
  await writeAll(client, sequence(total / 4));
  await until(() => upstreamGot >= total, 5000, 'the upstream to receive everything');
  const elapsed = doneAt - start;
  assert.equal(upstreamGot, total);
  assert.ok(elapsed >= 375, `250 KB at 500 KB/s took only ${elapsed.toFixed(0)} ms`);
  assert.ok(elapsed <= 700, `250 KB at 500 KB/s took ${elapsed.toFixed(0)} ms`);
});

test('rate 0 stalls the direction; removing the toxic delivers every byte intact', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'bandwidth', attributes: { rate: 0 } });
  const client = await r.connect();
  const rec = recordReads(client);
  // More than the stage holds, so the source is paused as well.
  const words = (1024 * 1024) / 4;
  client.write(sequence(words));
  await sleep(300);
  assert.equal(rec.total(), 0, 'rate 0 let data through');
  await r.remove('bandwidth_downstream');
  await until(() => rec.total() >= words * 4, 5000, 'the stalled bytes after removal');
  assertSequence(rec.bytes(), words);
});

test('updating the rate takes effect on a live connection', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'bandwidth', attributes: { rate: 50 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const words = 200_000 / 4;
  const start = performance.now();
  client.write(sequence(words));
  await sleep(300);
  const early = rec.total();
  // About 15 KB at 50 KB/s; at least one 10 ms piece has gone.
  assert.ok(early > 0 && early < 40_000, `${early} bytes in 300 ms at 50 KB/s`);
  await r.update('bandwidth_downstream', { attributes: { rate: 10_000 } });
  await until(() => rec.total() >= words * 4, 5000, 'the rest at the new rate');
  const elapsed = performance.now() - start;
  // At 50 KB/s the whole 200 KB would take 4 s.
  assert.ok(elapsed < 1500, `took ${elapsed.toFixed(0)} ms after raising the rate`);
  assertSequence(rec.bytes(), words);
});

test('lowering the rate to 0 on a live connection stalls it, raising it resumes', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'bandwidth', attributes: { rate: 100 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const words = 100_000 / 4;
  client.write(sequence(words));
  await until(() => rec.total() > 0, 2000, 'the first bytes');
  await r.update('bandwidth_downstream', { attributes: { rate: 0 } });
  const stalledAt = rec.total();
  await sleep(300);
  assert.equal(rec.total(), stalledAt, 'data passed at rate 0');
  assert.ok(stalledAt < words * 4);
  await r.update('bandwidth_downstream', { attributes: { rate: 100_000 } });
  await until(() => rec.total() >= words * 4, 3000, 'the rest');
  assertSequence(rec.bytes(), words);
});

test('a FIN waits behind the rate-limited data', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'bandwidth', attributes: { rate: 1000 } });
  const { data, how, ms } = await echoThenClose(r, sequence(200_000 / 4));
  assert.equal(how, 'end');
  assertSequence(data, 200_000 / 4);
  assert.ok(ms >= 150, `200 KB at 1000 KB/s closed after only ${ms.toFixed(0)} ms`);
});

test('a FIN held at rate 0 passes, after the data, when the toxic is removed', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'bandwidth', attributes: { rate: 0 } });
  const reply = echoThenClose(r, sequence(1000));
  await sleep(200);
  await r.remove('bandwidth_downstream');
  const { data, how } = await reply;
  assert.equal(how, 'end');
  assertSequence(data, 1000);
});
