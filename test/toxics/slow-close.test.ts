import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { waitClosed } from '../helpers/sockets.js';
import { assertSequence, recordReads, rig, sequence, until } from '../helpers/toxic-extra.js';

test('downstream slow_close: the client sees the upstream close only after `delay` ms, after all data', async (t) => {
  const words = 50_000;
  let upstreamClosedAt = NaN;
  const r = await rig(t, {
    onSocket: (s: Socket) => {
      s.end(sequence(words), () => (upstreamClosedAt = performance.now()));
    },
  });
  await r.toxic({ type: 'slow_close', attributes: { delay: 300 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const how = await waitClosed(client);
  const closedAt = performance.now();
  assert.equal(how, 'end');
  assertSequence(rec.bytes(), words);
  const lastData = rec.reads[rec.reads.length - 1]?.at ?? NaN;
  assert.ok(lastData - upstreamClosedAt < 150, 'data must not be delayed');
  const delay = closedAt - upstreamClosedAt;
  assert.ok(delay >= 295, `close passed on after only ${delay.toFixed(0)} ms`);
  assert.ok(delay <= 300 + 200, `close passed on after ${delay.toFixed(0)} ms`);
});

test('upstream slow_close: the upstream sees the client FIN only after `delay` ms', async (t) => {
  let upstreamEndAt = NaN;
  const got: Buffer[] = [];
  const r = await rig(t, {
    onSocket: (s: Socket) => {
      s.on('data', (c: Buffer) => got.push(c));
      s.on('end', () => {
        upstreamEndAt = performance.now();
        s.end('bye');
      });
    },
  });
  await r.toxic({ type: 'slow_close', stream: 'upstream', attributes: { delay: 250 } });
  const client = await r.connect({ allowHalfOpen: true });
  const rec = recordReads(client);
  const sentAt = performance.now();
  client.end(sequence(1000));
  assert.equal(await waitClosed(client), 'end');
  const delay = upstreamEndAt - sentAt;
  assertSequence(Buffer.concat(got), 1000);
  assert.equal(rec.bytes().toString(), 'bye');
  assert.ok(delay >= 245, `FIN passed on after only ${delay.toFixed(0)} ms`);
  assert.ok(delay <= 250 + 200, `FIN passed on after ${delay.toFixed(0)} ms`);
});

test('slow_close with delay 0 closes promptly; removing a slow_close holding a close lets it through', async (t) => {
  const r = await rig(t, { onSocket: (s: Socket) => s.end('x') });
  await r.toxic({ type: 'slow_close', attributes: { delay: 0 } });
  const a = await r.connect();
  const start = performance.now();
  assert.equal(await waitClosed(a), 'end');
  assert.ok(performance.now() - start < 500);

  await r.update('slow_close_downstream', { attributes: { delay: 60_000 } });
  const b = await r.connect();
  const rec = recordReads(b);
  await until(() => rec.total() === 1, 2000, 'the data before the close');
  const closed = waitClosed(b, 3000);
  await r.remove('slow_close_downstream');
  assert.equal(await closed, 'end');
  assert.equal(rec.bytes().toString(), 'x');
});
