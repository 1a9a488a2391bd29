/**
 * The HTTP message layer where framing meets its limits: framing that stops mid-stream, refused
 * upgrades, close-delimited responses with answers queued behind them. Each case once lost,
 * reordered or misplaced bytes.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import { collectUntil, httpRequest, startHttpUpstream } from '../helpers/http.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { connectTo, sleep } from '../helpers/sockets.js';

let server: RunningServer;
let counter = 0;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

/** A raw upstream: records every byte, and answers each complete request head with `answer(n)`. */
async function rawUpstream(answer: (n: number) => string | null): Promise<{ port: number; server: Server; received: () => string }> {
  const received: string[] = [];
  const srv = createServer((socket) => {
    socket.on('error', () => {});
    let text = '';
    let answered = 0;
    socket.on('data', (c: Buffer) => {
      received.push(c.toString('latin1'));
      text += c.toString('latin1');
      const heads = text.split('\r\n\r\n').length - 1;
      while (answered < heads) {
        const reply = answer(++answered);
        if (reply === null) socket.end();
        else socket.write(reply);
      }
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return { port: (srv.address() as AddressInfo).port, server: srv, received: () => received.join('') };
}

async function httpProxy(port: number): Promise<{ name: string; port: number }> {
  const name = `he${++counter}`;
  return { name, ...(await createProxy(server, name, port, { protocol: 'http' })) };
}

test('framing that stops while half a request head is held forwards that half, in order', async () => {
  // The first response has an invalid Content-Length, so framing stops while `GET /b HT` waits.
  const up = await rawUpstream((n) => (n === 1 ? 'HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok' : 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
  try {
    const { port } = await httpProxy(up.port);
    const socket = await connectTo(port);
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HT');
    await collectUntil(socket, (b) => b.toString().endsWith('ok'));
    socket.write('TP/1.1\r\nHost: x\r\n\r\n');
    await sleep(200);
    socket.destroy();
    assert.equal(up.received(), 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
  } finally {
    up.server.close();
  }
});

test('a refused upgrade frames the pipelined request after it at once', async () => {
  const up = await rawUpstream((n) => `HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok${n}`);
  try {
    const { port } = await httpProxy(up.port);
    const socket = await connectTo(port);
    socket.write('GET /up HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await collectUntil(socket, (b) => b.toString().endsWith('ok2'), 3000);
    socket.destroy();
    assert.equal(got.toString().split('HTTP/1.1 200 OK').length - 1, 2);
  } finally {
    up.server.close();
  }
});

test('an answer queued behind a close-delimited response is not appended to its body', async () => {
  const up = await rawUpstream(() => 'HTTP/1.1 200 OK\r\n\r\nbody-until-close');
  up.server.removeAllListeners('connection');
  up.server.on('connection', (socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\n\r\nbody-until-close'));
  });
  try {
    const { name, port } = await httpProxy(up.port);
    await addToxic(server, name, { type: 'error', attributes: { path: '/err' } });
    const socket = await connectTo(port);
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /err HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await collectUntil(socket, () => false, 3000);
    assert.equal(got.toString(), 'HTTP/1.1 200 OK\r\n\r\nbody-until-close');
  } finally {
    up.server.close();
  }
});

test('an answer waiting behind a request that stops the framing still goes out in its turn', async () => {
  const up = await rawUpstream((n) => `HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok${n}`);
  try {
    const { name, port } = await httpProxy(up.port);
    await addToxic(server, name, { type: 'error', attributes: { path: '/err' } });
    const socket = await connectTo(port);
    // The third request's coding is not chunked: requests are passed through unframed from there.
    socket.write(
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /err HTTP/1.1\r\nHost: x\r\n\r\n' +
        'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n',
    );
    const got = (await collectUntil(socket, (b) => b.toString().endsWith('ok2'), 3000)).toString();
    socket.destroy();
    const answers = [...got.matchAll(/HTTP\/1\.1 (\d{3})[^]*?(?=HTTP\/1\.1 |$)/g)].map((m) => m[0]);
    assert.equal(answers.length, 3, got);
    assert.match(answers[0] ?? '', /^HTTP\/1\.1 200 OK[^]*ok1$/);
    assert.match(answers[1] ?? '', /^HTTP\/1\.1 503 /);
    assert.match(answers[2] ?? '', /^HTTP\/1\.1 200 OK[^]*ok2$/);
    assert.equal(up.received().includes('/err'), false);
  } finally {
    up.server.close();
  }
});

test('header names match exactly outside letters; a response delay holds an injected answer too', async () => {
  const up = await startHttpUpstream();
  try {
    const { name, port } = await httpProxy(up.port);
    await addToxic(server, name, { type: 'error', name: 'u', attributes: { headers: { x_test: '1' } } });
    assert.equal((await httpRequest(port, { path: '/h', agent: false, headers: { x_test: '1' } })).status, 503);
    assert.equal((await httpRequest(port, { path: '/h', agent: false, headers: { 'x-test': '1' } })).status, 200);
    await api(server, 'DELETE', `/proxies/${name}/toxics/u`);

    await addToxic(server, name, { type: 'delay', attributes: { ms: 400, where: 'response', path: '/slow' } });
    await addToxic(server, name, { type: 'error', attributes: { path: '/slow' } });
    const start = performance.now();
    assert.equal((await httpRequest(port, { path: '/slow', agent: false })).status, 503);
    assert.ok(performance.now() - start >= 350, `answered after ${performance.now() - start} ms`);
  } finally {
    await up.close();
  }
});

test("request-level toxics refuse unknown attributes and bad header names; null removes an attribute", async () => {
  const up = await startHttpUpstream();
  try {
    const { name } = await httpProxy(up.port);
    const typo = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { pth: '/x' } });
    assert.equal(typo.status, 400);
    assert.match(typo.json.error, /attributes\.pth: error has no such attribute; valid attributes: status, body/);
    const badName = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { response_headers: { 'Bad Name:': 'x' } } });
    assert.equal(badName.status, 400);
    assert.match(badName.json.error, /attributes\.response_headers\.Bad Name:: expected a header name/);
    const badValue = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { response_headers: { 'X-A': 'a\r\nX-B: b' } } });
    assert.equal(badValue.status, 400);

    await addToxic(server, name, { type: 'error', name: 'e', attributes: { nth: [2], status: 502 } });
    const cleared = await api(server, 'PATCH', `/proxies/${name}/toxics/e`, { attributes: { nth: null, status: null } });
    assert.equal(cleared.status, 200);
    assert.deepEqual(cleared.json.attributes, { status: 503 });
  } finally {
    await up.close();
  }
});
