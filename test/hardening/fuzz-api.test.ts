/**
 * Property-based fuzzing of the control API, over real sockets against a real server. Whatever a
 * client sends, the server lives, every request gets one complete answer (2xx, or a 4xx whose
 * JSON names the problem), a refused change leaves nothing behind, and every proxy that exists
 * can be addressed and deleted. Seeded (FUZZ_SEED overrides) and bounded in time per property.
 *
 * Toxic attributes are being generalised (any JSON type for new toxic types), so properties
 * about them stay general: any answer is 2xx or a 4xx with a message.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { TOXIC_TYPES } from '../../src/api/toxic-types.js';
import type { RunningServer } from '../../src/server/index.js';
import { api, startTestServer, type ApiResponse } from '../helpers/server.js';
import { startUpstream, type TestUpstream } from '../helpers/sockets.js';

const SEED = Number(process.env.FUZZ_SEED ?? 14);
/** Each property stops after this long (whatever its run count); a slow machine runs fewer cases. */
const TIME_MS = 3000;
const run = { seed: SEED, numRuns: 150, interruptAfterTimeLimit: TIME_MS, markInterruptAsFailure: false, endOnFailure: true };

let server: RunningServer;
let upstream: TestUpstream;

before(async () => {
  server = await startTestServer();
  upstream = await startUpstream();
});
after(async () => {
  await server.close();
  await upstream.close();
});

// ---- what every answer must look like

function assertAnswer(res: ApiResponse, what: string): void {
  const where = `${what} → ${res.status} ${res.text.slice(0, 300)}`;
  if (res.status >= 200 && res.status < 300) return;
  // 500 is Toxiproxy's status for a listen address that cannot be bound; nothing else may 5xx.
  const listenFailure = res.status === 500 && typeof res.json?.error === 'string' && res.json.error.startsWith('listen tcp');
  assert.ok((res.status >= 400 && res.status < 500) || listenFailure, where);
  assert.equal(typeof res.json?.error, 'string', where);
  assert.ok((res.json.error as string).length > 0, where);
  assert.equal(res.json.status, res.status, where);
}

const enc = encodeURIComponent;
const names = async (): Promise<string[]> => Object.keys((await api(server, 'GET', '/proxies')).json as object).sort();

/** Deletes every proxy by its name; each must be addressable. */
async function deleteAll(): Promise<void> {
  for (const name of await names()) {
    const res = await api(server, 'DELETE', `/proxies/${enc(name)}`);
    assert.equal(res.status, 204, `proxy ${JSON.stringify(name)} exists, so it can be deleted: ${res.text}`);
  }
  assert.deepEqual(await names(), []);
}

async function assertAlive(): Promise<void> {
  assert.equal((await api(server, 'GET', '/version')).status, 200, 'the server still answers');
}

// ---- generators

const oddNumbers = fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -1, -0, 0.5, 1e-300, 2 ** 31, 2 ** 32, -(2 ** 63), Number.MAX_SAFE_INTEGER);
const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), oddNumbers);
const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 });
const oddNames = fc.constantFrom('.', '..', '%', '%2F', 'a/b', '?x', '#', ' ', '\u0000', '__proto__', 'constructor', 'toString', '😀', 'a\r\nb');
const name = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  loneSurrogates,
  oddNames,
  fc.integer({ min: 1000, max: 1100 }).map((n) => 'x'.repeat(n)),
  json,
);
/** Listen values that never bind a fixed port: the machine is shared. */
const listen = fc.oneof(fc.constantFrom('127.0.0.1:0', '', 'bogus', ':', '127.0.0.1:99999', 'localhost:0', '[::1]:0', '[::1'), json);
const upstreamAddress = fc.oneof(fc.constantFrom('127.0.0.1:1', '', 'h:1'), fc.string({ maxLength: 10 }), json);
const proxyBody = fc.record(
  { name, listen, upstream: upstreamAddress, enabled: fc.oneof(fc.boolean(), json) },
  { requiredKeys: [] },
);
const toxicBody = fc.record(
  {
    name,
    type: fc.oneof(fc.constantFrom(...TOXIC_TYPES), fc.string({ maxLength: 8 }), json),
    stream: fc.oneof(fc.constantFrom('upstream', 'downstream', 'UPSTREAM', ''), json),
    toxicity: fc.oneof(fc.double(), oddNumbers, json),
    attributes: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), json, { maxKeys: 4 }), json),
  },
  { requiredKeys: [] },
);
/** Bodies that are not JSON, or JSON nested past any reasonable depth. */
const rawBody = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.integer({ min: 1, max: 200_000 }).map((n) => '['.repeat(n)),
  fc.integer({ min: 1, max: 100_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1, max: 50_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.integer({ min: 1, max: 50_000 }).map((n) => `{"name":"deep","upstream":"h:1","attributes":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
);

// ---- properties

test('proxy create, show, update and delete: always an answer; what is created is addressable and deletable', async () => {
  await fc.assert(
    fc.asyncProperty(proxyBody, fc.oneof(proxyBody, json), async (body, change) => {
      const before = await names();
      const created = await api(server, 'POST', '/proxies', body);
      assertAnswer(created, `create ${JSON.stringify(body)}`);
      if (created.status !== 201) {
        assert.deepEqual(await names(), before, 'a refused create leaves nothing behind');
        return;
      }
      const path = `/proxies/${enc(created.json.name as string)}`;
      assert.equal((await api(server, 'GET', path)).status, 200);
      const updated = await api(server, 'PATCH', path, change);
      assertAnswer(updated, `update ${JSON.stringify(change)}`);
      if (updated.status >= 400) assert.deepEqual((await api(server, 'GET', path)).json, created.json, 'a refused update changes nothing');
      assert.equal((await api(server, 'DELETE', path)).status, 204);
      assert.equal((await api(server, 'GET', path)).status, 404);
    }),
    run,
  );
  await deleteAll();
  await assertAlive();
});

test('populate: always an answer; a refused populate that did nothing created nothing; all proxies deletable', async () => {
  const entries = fc.oneof(fc.array(fc.oneof(proxyBody, json), { maxLength: 5 }), json);
  await fc.assert(
    fc.asyncProperty(entries, async (body) => {
      const before = await names();
      const res = await api(server, 'POST', '/populate', body);
      assertAnswer(res, `populate ${JSON.stringify(body)}`);
      if (res.status >= 400) {
        assert.ok('proxies' in res.json, 'populate errors list what was done');
        if (res.json.proxies === null) assert.deepEqual(await names(), before, '"proxies":null means nothing was done');
      }
    }),
    run,
  );
  await deleteAll();
  await assertAlive();
});

test('toxics: always an answer; a refused update changes nothing; what is added is addressable and removable', async () => {
  const proxy = await api(server, 'POST', '/proxies', { name: 'fz', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstream.port}` });
  assert.equal(proxy.status, 201);
  await fc.assert(
    fc.asyncProperty(toxicBody, fc.oneof(toxicBody, json), async (body, change) => {
      const added = await api(server, 'POST', '/proxies/fz/toxics', body);
      assertAnswer(added, `add ${JSON.stringify(body)}`);
      if (added.status !== 200) return;
      const path = `/proxies/fz/toxics/${enc(added.json.name as string)}`;
      assert.deepEqual((await api(server, 'GET', path)).json, added.json);
      const updated = await api(server, 'PATCH', path, change);
      assertAnswer(updated, `update ${JSON.stringify(change)}`);
      if (updated.status >= 400) assert.deepEqual((await api(server, 'GET', path)).json, added.json, 'a refused update changes nothing');
      assert.equal((await api(server, 'DELETE', path)).status, 204);
    }),
    run,
  );
  assert.deepEqual((await api(server, 'GET', '/proxies/fz/toxics')).json, []);
  await deleteAll();
  await assertAlive();
});

test('bodies that are not JSON, or nested very deep: a 4xx naming the body, on every route that reads one', async () => {
  await api(server, 'POST', '/proxies', { name: 'raw', upstream: 'h:1', enabled: false });
  await api(server, 'POST', '/proxies/raw/toxics', { name: 't', type: 'noop' });
  const routes = fc.constantFrom(['POST', '/proxies'], ['POST', '/populate'], ['PATCH', '/proxies/raw'], ['POST', '/proxies/raw/toxics'], ['PATCH', '/proxies/raw/toxics/t']);
  await fc.assert(
    fc.asyncProperty(routes, rawBody, async ([method, path], body) => {
      const res = await api(server, method as string, path as string, body);
      assertAnswer(res, `${method} ${path} ${JSON.stringify(body.slice(0, 80))}`);
    }),
    run,
  );
  await deleteAll();
  await assertAlive();
});

/** Writes bytes to the API port, half-closes, and reads until the server closes (or 5 s pass). */
function garbage(port: number, bytes: Uint8Array): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => done(false), 5000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
    socket.end(bytes);
  });
}

test('raw-socket garbage: the connection is answered or closed, never left hanging, and the server lives', async () => {
  const prefixes = fc.constantFrom('', 'GET / HTTP/1.1\r\n', 'POST /proxies HTTP/1.1\r\nContent-Length: 5\r\n\r\n', 'POST /proxies HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n', 'GET /proxies HTTP/1.1\r\nHost: x\r\n');
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(s)));
  await fc.assert(
    fc.asyncProperty(prefixes, bytes, async (prefix, tail) => {
      const payload = Buffer.concat([Buffer.from(prefix, 'latin1'), tail]);
      const { text, closed } = await garbage(server.port, payload);
      assert.ok(closed, `connection left open after ${JSON.stringify(payload.toString('latin1').slice(0, 120))}`);
      if (text !== '') assert.match(text, /^HTTP\/1\.1 [1-4]\d\d /, 'whatever is answered is a complete HTTP status line, never a 5xx');
    }),
    { ...run, numRuns: 80 },
  );
  await assertAlive();
});

test('headers of any size around the limit: answered (431 past it), never reset', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2000 }), async (count, size) => {
      const headers: string[] = [];
      for (let i = 0; i < count; i++) headers.push(`X-H${i}: ${'v'.repeat(size)}`);
      const { text, closed } = await garbage(server.port, Buffer.from(`GET /version HTTP/1.1\r\nHost: x\r\n${headers.join('\r\n')}\r\n\r\n`));
      assert.ok(closed);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      assert.ok(status === 200 || status === 431, `${count} headers of ${size} bytes → ${text.slice(0, 40)}`);
    }),
    { ...run, numRuns: 60 },
  );
  await assertAlive();
});
