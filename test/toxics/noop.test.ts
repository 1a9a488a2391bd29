import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBytes, roundTrip, waitClosed } from '../helpers/sockets.js';
import { recordReads, rig, sequence, writeAll } from '../helpers/toxic-extra.js';

test('noop on both streams passes every byte in order', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'noop', stream: 'upstream' });
  await r.toxic({ type: 'noop', stream: 'downstream' });
  const client = await r.connect();
  assert.ok((await roundTrip(client, 'quick')) < 200);
  const payload = sequence((4 * 1024 * 1024) / 4);
  const received = readBytes(client, payload.length, 10_000);
  await writeAll(client, payload);
  assert.ok((await received).equals(payload), 'bytes lost or reordered');
});

test('noop passes a half-close and the reply after it', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'noop', stream: 'upstream' });
  await r.toxic({ type: 'noop', stream: 'downstream' });
  const client = await r.connect({ allowHalfOpen: true });
  const rec = recordReads(client);
  const closed = waitClosed(client);
  const payload = sequence(10_000);
  client.end(payload);
  assert.equal(await closed, 'end');
  assert.ok(rec.bytes().equals(payload));
});
