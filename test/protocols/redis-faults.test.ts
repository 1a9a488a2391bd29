/**
 * Request-level toxics on a `redis` proxy in front of the real Redis on 127.0.0.1:6379, driven
 * by ioredis, redis-cli and raw sockets: errors in Redis's own format on the chosen commands,
 * in their place among pipelined replies, and everything else byte for byte.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Redis, ReplyError } from 'ioredis';
import type { FaultRecord } from '../../src/api/faults.js';
import type { RunningServer } from '../../src/server/index.js';
import { bytewise, converse, recordEvents } from '../helpers/pipeline.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';

const REDIS = 6379;
const P = 'fl:kv:redis:';
const run = promisify(execFile);

let server: RunningServer;
let counter = 0;
const clients: Redis[] = [];

before(async () => {
  server = await startTestServer();
});
after(async () => {
  for (const c of clients) c.disconnect();
  const direct = new Redis({ port: REDIS, host: '127.0.0.1' });
  const keys = await direct.keys(`${P}*`);
  if (keys.length > 0) await direct.del(...keys);
  direct.disconnect();
  await server.close();
});

async function redisProxy(): Promise<{ name: string; port: number }> {
  const name = `kvr${++counter}`;
  const { port } = await createProxy(server, name, REDIS, { protocol: 'redis' });
  return { name, port };
}

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

/** Each promise's value, or the error's class and message. */
async function outcomes(promises: Promise<unknown>[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const p of promises) {
    try {
      out.push(await p);
    } catch (err) {
      out.push(`${(err as Error).constructor.name}: ${(err as Error).message}`);
    }
  }
  return out;
}

const resp = (...args: string[]): Buffer =>
  Buffer.from(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);

test('the 2nd and 3rd GET get -LOADING as ioredis ReplyErrors; the rest get the real values on the same connection', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', name: 'loading', attributes: { command: 'GET', nth: [2, 3], message: 'LOADING Redis is loading the dataset in memory' } });
  const r = client(port);
  await r.set(`${P}a`, 'alpha');
  const got: unknown[] = [];
  for (let i = 0; i < 5; i++) {
    try {
      got.push(await r.get(`${P}a`));
    } catch (err) {
      assert.ok(err instanceof ReplyError, String(err));
      got.push((err as Error).message);
    }
  }
  assert.deepEqual(got, ['alpha', 'LOADING Redis is loading the dataset in memory', 'LOADING Redis is loading the dataset in memory', 'alpha', 'alpha']);
  // Not a GET: never matched, and the connection is the same one throughout.
  assert.equal(await r.incr(`${P}n`), 1);
  const log = (await api(server, 'GET', `/proxies/${name}/faults`)).json as FaultRecord[];
  // ioredis opens with INFO (its ready check) and the SET: the 2nd and 3rd GET follow.
  const first = log[0]?.request ?? 0;
  assert.deepEqual(
    log.map((f) => [f.request - first, f.method, f.path, f.match, f.action]),
    [
      [0, 'GET', `${P}a`, 2, 'answered -LOADING'],
      [1, 'GET', `${P}a`, 3, 'answered -LOADING'],
    ],
  );
});

test('without a message the error is ERR injected by faultline (toxic NAME); a message without a code word is sent as given', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', name: 'plain', attributes: { command: 'get', first: 1 } });
  await addToxic(server, name, { type: 'error', name: 'bare', attributes: { command: 'strlen', message: 'something broke' } });
  const r = client(port);
  assert.deepEqual(await outcomes([r.get(`${P}x`), r.strlen(`${P}x`), r.get(`${P}x`)]), [
    'ReplyError: ERR injected by faultline (toxic plain)',
    'ReplyError: something broke',
    null,
  ]);
  const raw = await converse(port, [Buffer.from('STRLEN k\r\n')], { until: (b) => b.includes('\r\n') });
  assert.equal(raw.data.toString(), '-something broke\r\n');
});

test('an ioredis pipeline keeps its order, with the injected error exactly in its place', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', attributes: { key: `${P}pipe:b*`, message: 'READONLY You can\'t write against a read only replica.' } });
  const r = client(port);
  const results = await r
    .pipeline()
    .set(`${P}pipe:a`, '1')
    .set(`${P}pipe:b1`, '2')
    .get(`${P}pipe:a`)
    .incr(`${P}pipe:c`)
    .get(`${P}pipe:b1`)
    .echo('tail')
    .exec();
  assert.ok(results !== null);
  assert.deepEqual(
    results.map(([err, value]) => (err === null ? value : `${err.constructor.name}: ${err.message}`)),
    ['OK', "ReplyError: READONLY You can't write against a read only replica.", '1', 1, "ReplyError: READONLY You can't write against a read only replica.", 'tail'],
  );
  // The SET never reached Redis.
  const direct = client(REDIS);
  assert.equal(await direct.get(`${P}pipe:b1`), null);
  direct.disconnect();
});

test('raw pipelining, inline and multibulk in one write, one byte at a time: the answer takes exactly its place', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', attributes: { command: 'ECHO', nth: [2], message: 'BUSY Redis is busy running a script.' } });
  const request = Buffer.concat([resp('ECHO', 'one'), Buffer.from('ECHO two\r\n'), resp('ECHO', 'three'), Buffer.from('PING\r\n')]);
  const expected = '$3\r\none\r\n-BUSY Redis is busy running a script.\r\n$5\r\nthree\r\n+PONG\r\n';
  for (const pieces of [[request], bytewise(request)]) {
    await api(server, 'DELETE', `/proxies/${name}/toxics/error_downstream`);
    await addToxic(server, name, { type: 'error', attributes: { command: 'ECHO', nth: [2], message: 'BUSY Redis is busy running a script.' } });
    const got = await converse(port, pieces, { until: (b) => b.length >= expected.length });
    assert.equal(got.data.toString(), expected);
  }
});

test('the key glob and command lists choose the requests; others pass untouched', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', attributes: { command: ['MGET', 'hget'], key: `${P}g:[ab]?` } });
  const r = client(port);
  await r.hset(`${P}g:a1`, 'f', 'v');
  assert.deepEqual(await outcomes([r.mget(`${P}g:a1`, `${P}g:c1`), r.mget(`${P}g:c1`, `${P}g:a1`), r.hget(`${P}g:a1`, 'f'), r.hget(`${P}g:a12`, 'f'), r.type(`${P}g:a1`)]), [
    'ReplyError: ERR injected by faultline (toxic error_downstream)',
    [null, null],
    'ReplyError: ERR injected by faultline (toxic error_downstream)',
    null,
    'hash',
  ]);
});

test('count: connection counts on each connection; probability draws per matching request', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', name: 'c', attributes: { command: 'PING', nth: [2], count: 'connection' } });
  for (let i = 0; i < 2; i++) {
    const r = client(port);
    assert.deepEqual(await outcomes([r.ping(), r.ping(), r.ping()]), ['PONG', 'ReplyError: ERR injected by faultline (toxic c)', 'PONG']);
    r.disconnect();
  }
  await api(server, 'DELETE', `/proxies/${name}/toxics/c`);
  await addToxic(server, name, { type: 'error', name: 'p', attributes: { command: 'PING', probability: 0.5 } });
  const r = client(port);
  const got = await outcomes(Array.from({ length: 60 }, () => r.ping()));
  const failed = got.filter((g) => g !== 'PONG').length;
  assert.ok(failed > 10 && failed < 50, `${failed} of 60 failed`);
});

test('delay holds the request (or the reply) by ms; the other commands are not held', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'delay', attributes: { command: 'GET', ms: 400 } });
  await addToxic(server, name, { type: 'delay', name: 'reply', attributes: { command: 'STRLEN', ms: 400, where: 'response' } });
  const r = client(port);
  await r.ping();
  let t = performance.now();
  await r.ping();
  assert.ok(performance.now() - t < 300, `PING took ${performance.now() - t} ms`);
  t = performance.now();
  assert.equal(await r.get(`${P}none`), null);
  assert.ok(performance.now() - t >= 380, `GET took ${performance.now() - t} ms`);
  t = performance.now();
  assert.equal(await r.strlen(`${P}none`), 0);
  assert.ok(performance.now() - t >= 380, `STRLEN took ${performance.now() - t} ms`);
});

test('hang swallows the request and stalls everything after it; the connection stays open', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'hang', attributes: { command: 'GET' } });
  const got = await converse(port, [Buffer.concat([resp('PING'), resp('GET', `${P}h`), resp('PING')])], { idleMs: 500 });
  assert.equal(got.data.toString(), '+PONG\r\n');
  assert.equal(got.closed, false);
});

test('abort closes (or resets) the connection after the replies before it are out', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'abort', attributes: { command: 'GET' } });
  const got = await converse(port, [Buffer.concat([resp('ECHO', 'before'), resp('GET', `${P}x`), resp('PING')])]);
  assert.equal(got.data.toString(), '$6\r\nbefore\r\n');
  assert.equal(got.closed, true);
  await api(server, 'DELETE', `/proxies/${name}/toxics/abort_downstream`);
  await addToxic(server, name, { type: 'abort', attributes: { command: 'GET', reset: true, where: 'response' } });
  const r = client(port);
  const outcome = await outcomes([r.get(`${P}x`)]);
  assert.match(String(outcome[0]), /Connection is closed|ECONNRESET|closed/);
});

test('MULTI/EXEC: an injected error replaces that command\'s QUEUED and EXEC runs the others (documented)', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', attributes: { command: 'INCR', message: 'OOM command not allowed when used memory > \'maxmemory\'.' } });
  const request = Buffer.concat([resp('MULTI'), resp('SET', `${P}m`, 'v'), resp('INCR', `${P}m:n`), resp('GET', `${P}m`), resp('EXEC')]);
  const expected = "+OK\r\n+QUEUED\r\n-OOM command not allowed when used memory > 'maxmemory'.\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\nv\r\n";
  const got = await converse(port, [request], { until: (b) => b.length >= expected.length });
  assert.equal(got.data.toString(), expected);
});

test('RESP3 (HELLO 3): pushes pass where they come and answer nothing; redis-cli -3 sees the error', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', attributes: { command: 'GET', message: 'MASTERDOWN Link with MASTER is down' } });
  const channel = `${P}ch`;
  const direct = new Redis({ port: REDIS, host: '127.0.0.1' });
  try {
    // HELLO 3, then SUBSCRIBE: its confirmation is a push; a GET after it is answered in its place.
    const pieces = [Buffer.concat([resp('HELLO', '3'), resp('SUBSCRIBE', channel), resp('GET', `${P}x`), resp('PING')])];
    const talk = converse(port, pieces, { until: (b) => b.includes('hi there'), idleMs: 3000 });
    setTimeout(() => void direct.publish(channel, 'hi there'), 300);
    const text = (await talk).data.toString();
    const pushAt = text.indexOf(`>3\r\n$9\r\nsubscribe\r\n$${channel.length}\r\n${channel}\r\n:1\r\n`);
    const errorAt = text.indexOf('-MASTERDOWN Link with MASTER is down\r\n');
    const pongAt = text.indexOf('+PONG\r\n');
    // The answer goes out as soon as its turn comes (HELLO's reply is out); the push, which
    // answers nothing, passes where the server put it.
    assert.ok(text.startsWith('%7\r\n'), text);
    assert.ok(pushAt > 0 && errorAt > 0 && pongAt > errorAt && pongAt > pushAt, text);
    assert.ok(text.endsWith(`>3\r\n$7\r\nmessage\r\n$${channel.length}\r\n${channel}\r\n$8\r\nhi there\r\n`), text);
  } finally {
    direct.disconnect();
  }
  const { stdout } = await run('redis-cli', ['-3', '-p', String(port), 'GET', `${P}x`]);
  assert.equal(stdout.trim(), 'MASTERDOWN Link with MASTER is down');
  const plain = await run('redis-cli', ['-p', String(port), 'SET', `${P}cli`, 'ok']);
  assert.equal(plain.stdout.trim(), 'OK');
});

test('RESP2 SUBSCRIBE: the connection passes through from then on, with the framing-stopped event', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', attributes: { command: 'PING' } });
  const rec = recordEvents(server);
  try {
    const got = await converse(port, [Buffer.concat([resp('PING'), resp('SUBSCRIBE', `${P}c2`), resp('PING')])], { until: (b) => b.toString().endsWith('$0\r\n\r\n') });
    // The first PING is answered here; the one after SUBSCRIBE reaches Redis (subscribed-mode PONG).
    assert.equal(got.data.toString(), `-ERR injected by faultline (toxic error_downstream)\r\n*3\r\n$9\r\nsubscribe\r\n$${P.length + 2}\r\n${P}c2\r\n:1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n`);
    const stopped = rec.events.find((e) => e.type === 'framing-stopped' && e.proxy === name);
    assert.ok(stopped !== undefined && 'reason' in stopped && /SUBSCRIBE on RESP2/.test(stopped.reason), JSON.stringify(stopped));
  } finally {
    rec.stop();
  }
});

test('HTTP bytes into a redis proxy pass through as bytes, with the framing-stopped event', async () => {
  const { name, port } = await redisProxy();
  await addToxic(server, name, { type: 'error', attributes: { command: 'GET' } });
  const http = Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n');
  const rec = recordEvents(server);
  try {
    const direct = await converse(REDIS, [http], { idleMs: 400 });
    const proxied = await converse(port, [http], { idleMs: 400 });
    assert.equal(proxied.data.toString(), direct.data.toString());
    assert.equal(proxied.closed, direct.closed);
    const stopped = rec.events.find((e) => e.type === 'framing-stopped' && e.proxy === name);
    assert.ok(stopped !== undefined && 'reason' in stopped && /HTTP/.test(stopped.reason), JSON.stringify(stopped));
  } finally {
    rec.stop();
  }
});

test('bad input: a message with a line break is a 400 naming attributes.message; memcached-only attributes are refused', async () => {
  const { name } = await redisProxy();
  let res = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { message: 'ERR one\r\ntwo' } });
  assert.equal(res.status, 400);
  assert.match(res.text, /attributes\.message/);
  res = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { miss: true } });
  assert.equal(res.status, 400);
  assert.match(res.text, /attributes\.miss/);
});
