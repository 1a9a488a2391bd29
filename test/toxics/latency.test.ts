import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { readBytes, roundTrip, sleep } from '../helpers/sockets.js';
import { assertSequence, echoThenClose, recordReads, rig, sequence, until, writeAll } from '../helpers/toxic-extra.js';

/** Timers never fire early, but a busy machine may fire them late. */
const EARLY = 5;
const LATE = 150;

function assertDelay(actual: number, expected: number, slack = LATE, what = 'delay'): void {
  assert.ok(actual >= expected - EARLY, `${what} ${actual.toFixed(1)} ms is shorter than ${expected} ms`);
  assert.ok(actual <= expected + slack, `${what} ${actual.toFixed(1)} ms is far longer than ${expected} ms`);
}

/** An echo upstream that notes when each of its sockets last received data. */
function stampingEcho(): { onSocket: (s: Socket) => void; lastReceived: () => number } {
  let last = NaN;
  return {
    onSocket: (socket) => {
      socket.on('data', (chunk: Buffer) => {
        last = performance.now();
        socket.write(chunk);
      });
      socket.on('end', () => socket.end());
    },
    lastReceived: () => last,
  };
}

test('downstream latency delays data from the upstream by about `latency` ms', async (t) => {
  const echo = stampingEcho();
  const r = await rig(t, { onSocket: echo.onSocket });
  await r.toxic({ type: 'latency', attributes: { latency: 200 } });
  const client = await r.connect();
  for (let i = 0; i < 3; i++) {
    const sent = performance.now();
    client.write('ping');
    assert.equal((await readBytes(client, 4)).toString(), 'ping');
    const got = performance.now();
    assert.ok(echo.lastReceived() - sent < 100, 'the upstream direction must not be delayed');
    assertDelay(got - echo.lastReceived(), 200);
  }
});

test('upstream latency delays data from the client by about `latency` ms', async (t) => {
  const echo = stampingEcho();
  const r = await rig(t, { onSocket: echo.onSocket });
  await r.toxic({ type: 'latency', stream: 'upstream', attributes: { latency: 200 } });
  const client = await r.connect();
  for (let i = 0; i < 3; i++) {
    const sent = performance.now();
    client.write('ping');
    assert.equal((await readBytes(client, 4)).toString(), 'ping');
    const got = performance.now();
    assertDelay(echo.lastReceived() - sent, 200);
    assert.ok(got - echo.lastReceived() < 100, 'the downstream direction must not be delayed');
  }
});

test('latency on both streams adds up on a round trip', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'latency', stream: 'upstream', attributes: { latency: 100 } });
  await r.toxic({ type: 'latency', stream: 'downstream', attributes: { latency: 150 } });
  const client = await r.connect();
  assertDelay(await roundTrip(client, 'hello'), 250, LATE, 'round trip');
  assertDelay(await roundTrip(client, 'again'), 250, LATE, 'round trip');
});

test('two stacked latency toxics on one stream add up', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'latency', name: 'first', attributes: { latency: 100 } });
  await r.toxic({ type: 'latency', name: 'second', attributes: { latency: 150 } });
  const client = await r.connect();
  assertDelay(await roundTrip(client, 'stacked'), 250, LATE, 'round trip');
});

test('jitter keeps each delay within latency ± jitter and does vary it', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'latency', attributes: { latency: 100, jitter: 60 } });
  const client = await r.connect();
  const samples: number[] = [];
  for (let i = 0; i < 12; i++) samples.push(await roundTrip(client, `j${i}`));
  for (const ms of samples) assertDelay(ms, 100 - 60, 2 * 60 + LATE, 'jittered delay');
  assert.ok(Math.max(...samples) <= 100 + 60 + LATE);
  assert.ok(Math.max(...samples) - Math.min(...samples) > 10, `jitter had no effect: ${samples.map((s) => s.toFixed(0))}`);
});

test('a stream of chunks is shifted by the latency, not slowed down by it', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'latency', attributes: { latency: 200 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const n = 20;
  const chunk = 100;
  const sentAt: number[] = [];
  for (let i = 0; i < n; i++) {
    sentAt.push(performance.now());
    client.write(sequence(chunk / 4, (i * chunk) / 4));
    await sleep(10);
  }
  await until(() => rec.total() >= n * chunk, 5000, 'all chunks');
  assertSequence(rec.bytes(), (n * chunk) / 4);
  // When did the last byte of chunk i arrive?
  let offset = 0;
  const arrivedAt: number[] = [];
  for (const read of rec.reads) {
    offset += read.data.length;
    while (arrivedAt.length < n && offset >= (arrivedAt.length + 1) * chunk) arrivedAt.push(read.at);
  }
  for (let i = 0; i < n; i++) assertDelay((arrivedAt[i] as number) - (sentAt[i] as number), 200, 200, `chunk ${i} delay`);
  const span = (sentAt[n - 1] as number) - (sentAt[0] as number);
  const total = (arrivedAt[n - 1] as number) - (sentAt[0] as number);
  assert.ok(total <= span + 200 + 250, `took ${total.toFixed(0)} ms for a ${span.toFixed(0)} ms stream`);
});

test('jitter never reorders bytes', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'latency', stream: 'upstream', attributes: { latency: 30, jitter: 30 } });
  await r.toxic({ type: 'latency', stream: 'downstream', attributes: { latency: 30, jitter: 30 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const n = 150;
  for (let i = 0; i < n; i++) {
    client.write(sequence(8, i * 8));
    // Separate ticks, so the proxy sees separate chunks with separate jitter.
    await sleep(1);
  }
  await until(() => rec.total() >= n * 32, 5000, 'all chunks');
  assertSequence(rec.bytes(), n * 8);
});

test('latency 0 does not limit throughput: 20 MB pass intact', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'latency', stream: 'upstream', attributes: { latency: 0 } });
  await r.toxic({ type: 'latency', stream: 'downstream', attributes: { latency: 0 } });
  const client = await r.connect();
  const words = (20 * 1024 * 1024) / 4;
  const payload = sequence(words);
  const start = performance.now();
  const received = readBytes(client, payload.length, 15_000);
  for (let off = 0; off < payload.length; off += 1024 * 1024) await writeAll(client, payload.subarray(off, off + 1024 * 1024));
  const got = await received;
  const elapsed = performance.now() - start;
  assert.ok(got.equals(payload), 'bytes lost or reordered');
  assert.ok(elapsed < 10_000, `20 MB took ${elapsed.toFixed(0)} ms`);
});

test('latency + jitter beyond what one timer holds waits without spinning; removal delivers', async (t) => {
  let overflows = 0;
  const onWarning = (w: Error) => {
    if (w.name === 'TimeoutOverflowWarning') overflows++;
  };
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const r = await rig(t);
  // Each attribute is valid on its own; together a delay can reach about 2^32 ms.
  await r.toxic({ type: 'latency', attributes: { latency: 2_147_483_647, jitter: 2_147_483_647 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const cpu = process.cpuUsage();
  for (let i = 0; i < 5; i++) {
    client.write(sequence(4, i * 4));
    await sleep(20);
  }
  await sleep(300);
  const used = process.cpuUsage(cpu);
  assert.equal(rec.total(), 0, 'a huge latency let data through');
  assert.equal(overflows, 0, 'timers overflowed and fired early');
  assert.ok(used.user + used.system < 200_000, `busy while waiting: ${JSON.stringify(used)}`);
  await r.remove('latency_downstream');
  await until(() => rec.total() >= 80, 2000, 'the held chunks after removal');
  assertSequence(rec.bytes(), 20);
});

test('a FIN waits behind the delayed data', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'latency', stream: 'upstream', attributes: { latency: 100 } });
  await r.toxic({ type: 'latency', stream: 'downstream', attributes: { latency: 100 } });
  const { data, how, ms } = await echoThenClose(r, sequence(50_000));
  assert.equal(how, 'end');
  assertSequence(data, 50_000);
  assert.ok(ms >= 195, `closed after only ${ms.toFixed(0)} ms`);
});
