import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api } from '../helpers/server.js';
import { readBytes } from '../helpers/sockets.js';
import { assertSequence, echoThenClose, recordReads, rig, sequence, until, writeAll } from '../helpers/toxic-extra.js';

test('slicer delivers the same bytes in the same order, in several smaller reads', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'slicer', attributes: { average_size: 100, size_variation: 20, delay: 2000 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const words = 500;
  client.write(sequence(words));
  await until(() => rec.total() >= words * 4, 5000, 'all slices');
  assertSequence(rec.bytes(), words);
  // 2000 bytes in slices of 80..120 bytes 2 ms apart: far more than one read.
  assert.ok(rec.reads.length >= 5, `only ${rec.reads.length} reads`);
  assert.ok(rec.reads.every((read) => read.data.length < 2000), 'a read held the whole chunk');
});

test('upstream slicer keeps a large stream intact', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'slicer', stream: 'upstream', attributes: { average_size: 1000, size_variation: 500 } });
  const client = await r.connect();
  const payload = sequence((1024 * 1024) / 4);
  const received = readBytes(client, payload.length, 10_000);
  await writeAll(client, payload);
  assert.ok((await received).equals(payload), 'bytes lost or reordered');
});

test('average_size 0 (fatal in Toxiproxy) still passes data intact and the server lives', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'slicer', attributes: { average_size: 0 } });
  const client = await r.connect();
  const payload = sequence(1024);
  client.write(payload);
  assert.ok((await readBytes(client, payload.length)).equals(payload));
  const version = await api(r.server, 'GET', '/version');
  assert.equal(version.status, 200);
  // Defaults (every attribute 0), as `toxiproxy-cli toxic add -t slicer` sends them.
  await r.remove('slicer_downstream');
  await r.toxic({ type: 'slicer' });
  const again = await r.connect();
  again.write('still here');
  assert.equal((await readBytes(again, 10)).toString(), 'still here');
});

test('size_variation at or above average_size is safe', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'slicer', name: 'equal', attributes: { average_size: 8, size_variation: 8 } });
  await r.toxic({ type: 'slicer', name: 'above', stream: 'upstream', attributes: { average_size: 5, size_variation: 500 } });
  const client = await r.connect();
  const payload = sequence(16 * 1024);
  const received = readBytes(client, payload.length, 10_000);
  await writeAll(client, payload);
  assert.ok((await received).equals(payload), 'bytes lost or reordered');
});

test('delay (µs) spreads the slices over time', async (t) => {
  const r = await rig(t);
  // 1000 bytes in 10 slices, 20 ms apart.
  await r.toxic({ type: 'slicer', attributes: { average_size: 100, size_variation: 0, delay: 20_000 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const sent = performance.now();
  client.write(sequence(250));
  await until(() => rec.total() >= 1000, 5000, 'all slices');
  assertSequence(rec.bytes(), 250);
  const first = (rec.reads[0]?.at ?? NaN) - sent;
  const spread = (rec.reads[rec.reads.length - 1]?.at ?? NaN) - (rec.reads[0]?.at ?? NaN);
  assert.ok(first < 100, `the first slice took ${first.toFixed(0)} ms`);
  assert.ok(spread >= 9 * 20 - 5, `slices spread over only ${spread.toFixed(0)} ms`);
  assert.ok(spread <= 9 * 20 + 300, `slices spread over ${spread.toFixed(0)} ms`);
  assert.ok(rec.reads.length >= 8, `only ${rec.reads.length} reads`);
});

test('removing a slicer with slices pending delivers the rest in order', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'slicer', attributes: { average_size: 10, delay: 50_000 } });
  const client = await r.connect();
  const rec = recordReads(client);
  client.write(sequence(250));
  await until(() => rec.total() > 0, 2000, 'the first slice');
  await r.remove('slicer_downstream');
  await until(() => rec.total() >= 1000, 2000, 'the rest after removal');
  assertSequence(rec.bytes(), 250);
});

test('a FIN waits behind the pending slices', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'slicer', attributes: { average_size: 200, size_variation: 50, delay: 5000 } });
  const { data, how, ms } = await echoThenClose(r, sequence(1000));
  assert.equal(how, 'end');
  assertSequence(data, 1000);
  // About 20 slices 5 ms apart.
  assert.ok(ms >= 50, `closed after only ${ms.toFixed(0)} ms`);
});
