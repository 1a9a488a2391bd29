/**
 * Request-level toxics on a `memcached` proxy in front of a real memcached (Debian's, started
 * per file), driven by the `memcached` npm client and raw sockets: error lines and cache misses
 * on the chosen commands, in their place among pipelined replies, everything else byte for byte.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Memcached from 'memcached';
import type { FaultRecord } from '../../src/api/faults.js';
import type { RunningServer } from '../../src/server/index.js';
import { startMemcached, type Memcached as MemcachedServer } from '../helpers/memcached.js';
import { bytewise, converse, recordEvents } from '../helpers/pipeline.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';

const P = 'fl:kv:mc:';
let server: RunningServer;
let mc: MemcachedServer;
let counter = 0;
const clients: Memcached[] = [];

before(async () => {
  server = await startTestServer();
  mc = await startMemcached();
});
after(async () => {
  for (const c of clients) c.end();
  await server.close();
  await mc.stop();
});

async function mcProxy(): Promise<{ name: string; port: number }> {
  const name = `kvm${++counter}`;
  const { port } = await createProxy(server, name, mc.port, { protocol: 'memcached' });
  return { name, port };
}

function client(port: number): Memcached {
  const c = new Memcached(`127.0.0.1:${port}`, { retries: 0, timeout: 3000, poolSize: 1 });
  clients.push(c);
  return c;
}

/** A callback-style call as a promise of its value, or of "Error: message". */
function call<T>(f: (cb: (err: unknown, value: T) => void) => void): Promise<T | string> {
  return new Promise((resolve) => f((err, value) => resolve(err ? `Error: ${(err as Error).message}` : value)));
}

const line = (s: string): Buffer => Buffer.from(s, 'latin1');

test('the 2nd and 3rd get fail with the driver\'s own error; the rest get the real value on the same connection', async () => {
  const { name, port } = await mcProxy();
  await addToxic(server, name, { type: 'error', name: 'busy', attributes: { command: 'get', nth: [2, 3], message: 'CLIENT_ERROR temporarily refused' } });
  const c = client(port);
  assert.equal(await call((cb) => c.set(`${P}a`, 'alpha', 60, cb)), true);
  const got: unknown[] = [];
  for (let i = 0; i < 5; i++) got.push(await call((cb) => c.get(`${P}a`, cb)));
  assert.deepEqual(got, ['alpha', 'Error: temporarily refused', 'Error: temporarily refused', 'alpha', 'alpha']);
  assert.equal(await call((cb) => c.incr(`${P}n`, 1, cb)), false); // a real NOT_FOUND from memcached
  const log = (await api(server, 'GET', `/proxies/${name}/faults`)).json as FaultRecord[];
  assert.deepEqual(
    log.map((f) => [f.request, f.method, f.path, f.match, f.action]),
    [
      [3, 'GET', `${P}a`, 2, 'answered CLIENT_ERROR'],
      [4, 'GET', `${P}a`, 3, 'answered CLIENT_ERROR'],
    ],
  );
});

test('error lines: SERVER_ERROR by default, a message without an error word is prefixed, ERROR and CLIENT_ERROR are sent as given', async () => {
  const { name, port } = await mcProxy();
  const cases: [Record<string, unknown>, string][] = [
    [{}, `SERVER_ERROR injected by faultline (toxic t)\r\n`],
    [{ message: 'out of memory storing object' }, 'SERVER_ERROR out of memory storing object\r\n'],
    [{ message: 'ERROR' }, 'ERROR\r\n'],
    [{ message: 'CLIENT_ERROR bad data chunk' }, 'CLIENT_ERROR bad data chunk\r\n'],
    [{ message: 'SERVER_ERROR object too large for cache' }, 'SERVER_ERROR object too large for cache\r\n'],
  ];
  for (const [attributes, expected] of cases) {
    await addToxic(server, name, { type: 'error', name: 't', attributes: { command: 'version', ...attributes } });
    const got = await converse(port, [line('version\r\n')], { until: (b) => b.includes('\r\n') });
    assert.equal(got.data.toString('latin1'), expected, JSON.stringify(attributes));
    await api(server, 'DELETE', `/proxies/${name}/toxics/t`);
  }
});

test('miss: a get is answered END (a miss) and delete NOT_FOUND though the key exists; the driver sees a miss', async () => {
  const { name, port } = await mcProxy();
  const c = client(port);
  assert.equal(await call((cb) => c.set(`${P}miss`, 'here', 60, cb)), true);
  await addToxic(server, name, { type: 'error', attributes: { key: `${P}mis?`, miss: true } });
  assert.equal(await call((cb) => c.get(`${P}miss`, cb)), undefined);
  assert.equal(await call((cb) => c.get(`${P}other`, cb)), undefined);
  const raw = await converse(port, [line(`gets ${P}miss\r\ndelete ${P}miss\r\nget ${P}x ${P}miss\r\n`)], { until: (b) => b.toString().split('\r\n').length >= 4 });
  // The multi-key get's first key (fl:kv:mc:x) does not match: it reaches memcached.
  assert.equal(raw.data.toString(), `END\r\nNOT_FOUND\r\nVALUE ${P}miss 0 4\r\nhere\r\nEND\r\n`);
});

test('several commands in one write (and one byte at a time) keep their order, with the answer in its place', async () => {
  const { name, port } = await mcProxy();
  const request = line(
    `set ${P}p1 0 0 5\r\nab\r\nc\r\nget ${P}p1\r\nappend ${P}p1 0 0 2\r\nxy\r\nget ${P}p1 ${P}none\r\nincr ${P}p1 1\r\nversion\r\ndelete ${P}p1\r\n`,
  );
  const answer = 'SERVER_ERROR no space for append';
  for (const pieces of [[request], bytewise(request)]) {
    await addToxic(server, name, { type: 'error', name: 'ap', attributes: { command: 'append', message: 'no space for append' } });
    const got = await converse(port, pieces, { until: (b) => b.toString().endsWith('DELETED\r\n') });
    const text = got.data.toString().replace(/VERSION [^\r]*/, 'VERSION v');
    assert.equal(text, `STORED\r\nVALUE ${P}p1 0 5\r\nab\r\nc\r\nEND\r\n${answer}\r\nVALUE ${P}p1 0 5\r\nab\r\nc\r\nEND\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\nVERSION v\r\nDELETED\r\n`);
    await api(server, 'DELETE', `/proxies/${name}/toxics/ap`);
  }
});

test('noreply: a matching noreply command is kept from the server and nothing is sent back', async () => {
  const { name, port } = await mcProxy();
  await addToxic(server, name, { type: 'error', attributes: { command: 'set', key: `${P}nr:*` } });
  const got = await converse(port, [line(`set ${P}nr:a 0 0 1 noreply\r\nA\r\nset ${P}ok 0 0 1 noreply\r\nB\r\nget ${P}nr:a ${P}ok\r\n`)], { until: (b) => b.includes('END\r\n') });
  assert.equal(got.data.toString(), `VALUE ${P}ok 0 1\r\nB\r\nEND\r\n`);
});

test('delay, hang and abort; probability and count: connection', async () => {
  const { name, port } = await mcProxy();
  await addToxic(server, name, { type: 'delay', name: 'd', attributes: { command: 'version', ms: 400 } });
  const t = performance.now();
  const delayed = await converse(port, [line('version\r\n')], { until: (b) => b.includes('\r\n'), idleMs: 3000 });
  assert.match(delayed.data.toString(), /^VERSION /);
  assert.ok(performance.now() - t >= 380, `delayed ${performance.now() - t} ms`);
  await api(server, 'DELETE', `/proxies/${name}/toxics/d`);

  await addToxic(server, name, { type: 'hang', name: 'h', attributes: { command: 'touch' } });
  let got = await converse(port, [line(`version\r\ntouch ${P}t 10\r\nversion\r\n`)], { idleMs: 500 });
  assert.match(got.data.toString(), /^VERSION [^\r]*\r\n$/);
  assert.equal(got.closed, false);
  await api(server, 'DELETE', `/proxies/${name}/toxics/h`);

  await addToxic(server, name, { type: 'abort', name: 'a', attributes: { command: 'flush_all' } });
  got = await converse(port, [line(`version\r\nflush_all\r\nversion\r\n`)]);
  assert.match(got.data.toString(), /^VERSION [^\r]*\r\n$/);
  assert.equal(got.closed, true);
  await api(server, 'DELETE', `/proxies/${name}/toxics/a`);

  await addToxic(server, name, { type: 'error', name: 'c', attributes: { command: 'version', nth: [2], count: 'connection' } });
  for (let i = 0; i < 2; i++) {
    got = await converse(port, [line('version\r\nversion\r\nversion\r\n')], { until: (b) => b.toString().split('\r\n').length >= 4 });
    assert.match(got.data.toString(), /^VERSION [^\r]*\r\nSERVER_ERROR injected by faultline \(toxic c\)\r\nVERSION [^\r]*\r\n$/);
  }
  await api(server, 'DELETE', `/proxies/${name}/toxics/c`);

  await addToxic(server, name, { type: 'error', name: 'p', attributes: { command: 'version', probability: 0.5 } });
  got = await converse(port, [line('version\r\n'.repeat(60))], { until: (b) => b.toString().split('\r\n').length >= 61 });
  const failed = got.data.toString().split('\r\n').filter((l) => l.startsWith('SERVER_ERROR')).length;
  assert.ok(failed > 10 && failed < 50, `${failed} of 60 failed`);
});

test('stats (multi-line, END) pass; meta commands, the binary protocol and HTTP fall back to bytes with the event', async () => {
  const { name, port } = await mcProxy();
  await addToxic(server, name, { type: 'error', attributes: { command: 'get' } });
  const stats = await converse(port, [line('stats settings\r\nget x\r\n')], { until: (b) => b.toString().endsWith('\r\nSERVER_ERROR injected by faultline (toxic error_downstream)\r\n') });
  assert.match(stats.data.toString(), /^STAT maxbytes \d+\r\n[\s\S]*END\r\nSERVER_ERROR injected/);
  const inputs: [Buffer, RegExp][] = [
    [line(`mn\r\nget ${P}x\r\n`), /meta command mn/],
    [Buffer.from([0x80, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), /binary protocol/],
    [line('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /HTTP/],
  ];
  for (const [bytes, reason] of inputs) {
    const rec = recordEvents(server);
    try {
      const direct = await converse(mc.port, [bytes], { idleMs: 300 });
      const proxied = await converse(port, [bytes], { idleMs: 300 });
      // memcached answers mn and the binary version request, and closes on HTTP at once.
      assert.deepEqual(proxied.data, direct.data);
      assert.equal(proxied.closed, direct.closed);
      const stopped = rec.events.find((e) => e.type === 'framing-stopped' && e.proxy === name);
      assert.ok(stopped !== undefined && 'reason' in stopped && reason.test(stopped.reason), JSON.stringify(stopped));
    } finally {
      rec.stop();
    }
  }
});

test('bad input: a message with a line break is a 400 naming attributes.message; sqlstate is refused on memcached', async () => {
  const { name } = await mcProxy();
  let res = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { message: 'SERVER_ERROR a\nb' } });
  assert.equal(res.status, 400);
  assert.match(res.text, /attributes\.message/);
  res = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { sqlstate: '40001' } });
  assert.equal(res.status, 400);
  assert.match(res.text, /attributes\.sqlstate/);
});
