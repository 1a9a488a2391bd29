import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { readBytes, sleep, waitClosed } from '../helpers/sockets.js';
import { assertSequence, recordReads, rig, sequence, until, writeAll } from '../helpers/toxic-extra.js';

test('limit 7: send 5 then 5, receive exactly 7 bytes then the close', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'limit_data', attributes: { bytes: 7 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const closed = waitClosed(client);
  client.write('abcde');
  assert.equal((await readBytes(client, 5)).toString(), 'abcde');
  assert.equal(client.destroyed, false, 'closed before the limit');
  client.write('fghij');
  assert.equal(await closed, 'end');
  assert.equal(rec.bytes().toString(), 'abcdefg');
});

test('limit 0 closes on the first chunk without passing it', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'limit_data', attributes: { bytes: 0 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const closed = waitClosed(client);
  // Idle: nothing to count, nothing to close.
  await sleep(100);
  assert.equal(client.destroyed, false);
  client.write('hello');
  assert.equal(await closed, 'end');
  assert.equal(rec.total(), 0);
});

test('a large stream is cut at exactly the limit, the prefix intact', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'limit_data', attributes: { bytes: 100_002 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const closed = waitClosed(client);
  client.on('error', () => {});
  client.write(sequence(50_000));
  assert.equal(await closed, 'end');
  const got = rec.bytes();
  assert.equal(got.length, 100_002);
  assertSequence(got.subarray(0, 100_000), 25_000);
  assert.ok(got.subarray(100_000).equals(sequence(1, 25_000).subarray(0, 2)));
});

test('the count survives an update of the toxic', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'limit_data', attributes: { bytes: 10 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const closed = waitClosed(client);
  client.write('123456');
  await until(() => rec.total() === 6, 2000, 'the first 6 bytes');
  await r.update('limit_data_downstream', { attributes: { bytes: 15 } });
  client.write('abcdef');
  await until(() => rec.total() === 12, 2000, 'the next 6 bytes');
  client.write('ABCDEF');
  assert.equal(await closed, 'end');
  // A fresh count after the update would have let all 18 through and kept the connection.
  assert.equal(rec.bytes().toString(), '123456abcdefABC');
});

test('upstream limit_data lets `bytes` reach the upstream, then closes both peers', async (t) => {
  const got: Buffer[] = [];
  const upstreamClosed: Promise<string>[] = [];
  const r = await rig(t, {
    onSocket: (s: Socket) => {
      s.on('data', (c: Buffer) => got.push(c));
      s.on('end', () => s.end());
      upstreamClosed.push(waitClosed(s));
    },
  });
  await r.toxic({ type: 'limit_data', stream: 'upstream', attributes: { bytes: 7 } });
  const client = await r.connect();
  const closed = waitClosed(client);
  client.write('abcde');
  await until(() => Buffer.concat(got).length === 5, 2000, 'the first 5 bytes upstream');
  client.write('fghij');
  assert.equal(await closed, 'end');
  assert.equal(await upstreamClosed[0], 'end');
  assert.equal(Buffer.concat(got).toString(), 'abcdefg');
});

test('bytes already passed by limit_data reach the client through a later toxic', async (t) => {
  const r = await rig(t);
  await r.toxic({ type: 'limit_data', attributes: { bytes: 7 } });
  await r.toxic({ type: 'latency', attributes: { latency: 50 } });
  const client = await r.connect();
  const rec = recordReads(client);
  const closed = waitClosed(client);
  await writeAll(client, Buffer.from('abcdefghij'));
  assert.equal(await closed, 'end');
  assert.equal(rec.bytes().toString(), 'abcdefg');
});
