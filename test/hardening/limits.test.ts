/**
 * The API's explicit limits (docs/api.md "Limits"): each is answered with a complete response
 * naming it, never a reset, and every proxy the server accepts can be addressed and deleted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LIMITS } from '../../src/api/limits.js';
import type { RunningServer } from '../../src/server/index.js';
import { assertError } from '../helpers/api-extra.js';
import { api, startTestServer } from '../helpers/server.js';
import { startUpstream, type TestUpstream } from '../helpers/sockets.js';
import { rawRequest } from './raw-http.js';

let server: RunningServer;
let upstream: TestUpstream;
const up = () => `127.0.0.1:${upstream.port}`;

before(async () => {
  server = await startTestServer();
  upstream = await startUpstream();
});
after(async () => {
  await server.close();
  await upstream.close();
});

const tooLarge = `bad request body: larger than ${LIMITS.bodyBytes} bytes`;

test('a body over the limit is answered 413 with Content-Length, and the server goes on', async () => {
  const body = JSON.stringify({ name: 'big', upstream: up(), pad: 'x'.repeat(LIMITS.bodyBytes) });
  assertError(await api(server, 'POST', '/proxies', body), 413, tooLarge);
  assertError(await api(server, 'POST', '/populate', `[${'1,'.repeat(LIMITS.bodyBytes / 2)}1]`), 413, tooLarge);
  assert.equal((await api(server, 'GET', '/proxies/big')).status, 404, 'nothing half-applied');
  assert.equal((await api(server, 'GET', '/version')).status, 200);
});

test('a chunked body over the limit (no Content-Length) is answered too, while the client is still sending', async () => {
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  const pieces: (Buffer | string)[] = [`POST /proxies HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`];
  for (let i = 0; i < 12; i++) pieces.push(`${chunk.length.toString(16)}\r\n`, chunk, '\r\n');
  pieces.push('0\r\n\r\n');
  const res = await rawRequest(server.port, pieces);
  assert.equal(res.status, 413, res.head);
  assert.equal(res.body, `${JSON.stringify({ error: tooLarge, status: 413 })}\n`);
});

test('headers over the limit → 431 from the parser, not a reset', async () => {
  const res = await rawRequest(server.port, `GET /proxies HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(LIMITS.headerBytes)}\r\n\r\n`);
  assert.equal(res.status, 431, res.head);
  const path = await rawRequest(server.port, `GET /proxies/${'n'.repeat(LIMITS.headerBytes)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.equal(path.status, 431, 'an over-long path counts against the same limit');
});

test('names that could not be addressed afterwards → 400 naming the field; nothing created', async () => {
  const long = 'n'.repeat(LIMITS.nameBytes + 1);
  assertError(await api(server, 'POST', '/proxies', { name: long, upstream: up() }), 400, `bad request body: name: longer than ${LIMITS.nameBytes} bytes (${LIMITS.nameBytes + 1})`);
  // JSON.stringify would escape the lone surrogate as \ud800, which is exactly what a client sends.
  assertError(await api(server, 'POST', '/proxies', `{"name":"a\\ud800","upstream":"${up()}"}`), 400, 'bad request body: name: contains a lone UTF-16 surrogate, which cannot be sent in a path');
  assertError(await api(server, 'POST', '/proxies', { name: '..', upstream: up() }), 400, 'bad request body: name: cannot be "..", which URLs resolve away');
  const res = await api(server, 'POST', '/populate', [{ name: 'fine', upstream: up(), enabled: false }, { name: '.', upstream: up() }]);
  assert.equal(res.status, 400);
  assert.deepEqual(res.json, { error: 'bad request body: [1].name: cannot be ".", which URLs resolve away', status: 400, proxies: null });
  assert.deepEqual(Object.keys((await api(server, 'GET', '/proxies')).json), []);
});

test('the longest allowed names, in any script, are created and then addressed and deleted', async () => {
  // 4-byte characters: the worst case for percent-encoding, proxy and toxic in one path.
  const name = '😀'.repeat(LIMITS.nameBytes / 4);
  const created = await api(server, 'POST', '/proxies', { name, upstream: up(), enabled: false });
  assert.equal(created.status, 201, created.text);
  const toxic = await api(server, 'POST', `/proxies/${encodeURIComponent(name)}/toxics`, { name, type: 'noop' });
  assert.equal(toxic.status, 200, toxic.text);
  assert.equal((await api(server, 'GET', `/proxies/${encodeURIComponent(name)}/toxics/${encodeURIComponent(name)}`)).status, 200);
  assertError(await api(server, 'POST', `/proxies/${encodeURIComponent(name)}/toxics`, { name: `${name}x`, type: 'noop' }), 400, `bad request body: name: longer than ${LIMITS.nameBytes} bytes (${LIMITS.nameBytes + 1})`);
  assert.equal((await api(server, 'DELETE', `/proxies/${encodeURIComponent(name)}`)).status, 204);
});

test(`at most ${LIMITS.toxicsPerProxy} toxics a proxy and ${LIMITS.proxies} proxies a server → 400 naming the limit`, async () => {
  assert.equal((await api(server, 'POST', '/proxies', { name: 'many', upstream: up(), enabled: false })).status, 201);
  for (let i = 0; i < LIMITS.toxicsPerProxy; i++) {
    const res = await api(server, 'POST', '/proxies/many/toxics', { name: `t${i}`, type: 'noop' });
    assert.equal(res.status, 200, res.text);
  }
  assertError(await api(server, 'POST', '/proxies/many/toxics', { name: 'one-more', type: 'noop' }), 400, `too many toxics: a proxy holds at most ${LIMITS.toxicsPerProxy}`);

  const entries = Array.from({ length: LIMITS.proxies - 1 }, (_, i) => ({ name: `p${i}`, upstream: up(), enabled: false }));
  assert.equal((await api(server, 'POST', '/populate', entries)).status, 201);
  const over = await api(server, 'POST', '/populate', [{ name: 'extra', upstream: up(), enabled: false }]);
  assert.deepEqual(over.json, { error: `too many proxies: a server holds at most ${LIMITS.proxies}`, status: 400, proxies: null });
  assertError(await api(server, 'POST', '/proxies', { name: 'extra', upstream: up() }), 400, `too many proxies: a server holds at most ${LIMITS.proxies}`);
  assert.equal((await api(server, 'POST', '/populate', entries.slice(0, 3))).status, 201, 'existing names do not count twice');
});
