/**
 * The HTTP message layer on real sockets: what an http proxy does to traffic its toxics do not
 * touch (nothing, byte for byte, however it is segmented), and that it keeps request/response
 * pairing across keep-alive, pipelining, 100-continue, upgrades and huge bodies.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Agent, createServer as createHttpServer, request } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import type { FaultlineEvent } from '../../src/api/events.js';
import type { RunningServer } from '../../src/server/index.js';
import { collectUntil, countResponses, httpRequest, rawExchange, startHttpUpstream } from '../helpers/http.js';
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

async function httpProxy(upstreamPort: number, extra: Record<string, unknown> = {}): Promise<{ name: string; port: number }> {
  const name = `hf${++counter}`;
  const { port } = await createProxy(server, name, upstreamPort, { protocol: 'http', ...extra });
  // A toxic that matches nothing, so every request goes through the decision.
  await addToxic(server, name, { type: 'error', name: 'never', attributes: { path: '/never-requested' } });
  return { name, port };
}

/** Requests of every framing kind, as one client would pipeline them. */
const REQUESTS = [
  'GET /a?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n',
  'POST /b HTTP/1.1\r\nHost: example.test\r\nContent-Length: 11\r\n\r\nhello world',
  'POST /c HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n4;ext="a;b"\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: yes\r\n\r\n',
  'HEAD /d HTTP/1.1\r\nHost: example.test\r\n\r\n',
  'GET /e HTTP/1.1\r\nhost: example.test\r\nconnection: keep-alive\r\n\r\n',
].join('');

/** Responses of every framing kind, in the same order. */
const RESPONSES = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlast',
].join('');

/**
 * A raw upstream that records every byte and, once it has all the requests, writes the canned
 * responses in pieces of `size` bytes.
 */
async function scriptedUpstream(size: number) {
  const received: Buffer[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.on('data', async (c: Buffer) => {
      received.push(c);
      if (Buffer.concat(received).length < REQUESTS.length) return;
      const bytes = Buffer.from(RESPONSES, 'latin1');
      for (let i = 0; i < bytes.length; i += size) {
        socket.write(bytes.subarray(i, i + size));
        if (size < bytes.length) await sleep(1);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, received: () => Buffer.concat(received).toString('latin1') };
}

async function sendInPieces(socket: Socket, bytes: Buffer, cuts: number[]): Promise<void> {
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    socket.write(bytes.subarray(from, cut));
    from = cut;
    await sleep(1);
  }
}

async function roundTripSegmented(requestCuts: number[], responsePiece: number): Promise<{ up: string; down: string }> {
  const upstream = await scriptedUpstream(responsePiece);
  try {
    const { port } = await httpProxy(upstream.port);
    const socket = await connectTo(port);
    socket.setNoDelay(true);
    const expected = Buffer.from(RESPONSES, 'latin1');
    const got = collectUntil(socket, (all) => all.length >= expected.length, 15_000);
    await sendInPieces(socket, Buffer.from(REQUESTS, 'latin1'), requestCuts);
    const down = (await got).toString('latin1');
    socket.destroy();
    return { up: upstream.received(), down };
  } finally {
    upstream.server.close();
  }
}

test('one byte at a time in both directions, the bytes arrive unchanged', async () => {
  const cuts = Array.from({ length: REQUESTS.length - 1 }, (_, i) => i + 1);
  const { up, down } = await roundTripSegmented(cuts, 1);
  assert.equal(up, REQUESTS);
  assert.equal(down, RESPONSES);
});

test('every message in one read, and at random cuts, the bytes arrive unchanged', async () => {
  const whole = await roundTripSegmented([], RESPONSES.length);
  assert.equal(whole.up, REQUESTS);
  assert.equal(whole.down, RESPONSES);
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 5; round++) {
    const cuts = [...new Set(Array.from({ length: 6 }, () => 1 + Math.floor(next() * (REQUESTS.length - 1))))].sort((a, b) => a - b);
    const { up, down } = await roundTripSegmented(cuts, 1 + Math.floor(next() * 40));
    assert.equal(up, REQUESTS, `cuts ${cuts.join(',')}`);
    assert.equal(down, RESPONSES, `cuts ${cuts.join(',')}`);
  }
});

test('pipelined requests are answered in order, an injected answer in the place of its request', async () => {
  const up = await startHttpUpstream();
  try {
    const { name, port } = await httpProxy(up.port);
    await addToxic(server, name, { type: 'error', name: 'b', attributes: { path: '/b', status: 503 } });
    const all = await rawExchange(
      port,
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n',
      (bytes) => countResponses(bytes) === 3 && bytes.toString().includes('ok GET /c'),
    );
    const text = all.toString();
    const a = text.indexOf('ok GET /a');
    const b = text.indexOf('503 Service Unavailable');
    const c = text.indexOf('ok GET /c');
    assert.ok(a >= 0 && b > a && c > b, text);
    assert.deepEqual(up.seen.map((r) => r.url), ['/a', '/c']);
  } finally {
    await up.close();
  }
});

test('keep-alive connections stay usable after an injected answer: fetch, node:http and curl', async () => {
  const up = await startHttpUpstream();
  try {
    const { name, port } = await httpProxy(up.port);
    await addToxic(server, name, { type: 'error', name: 'second', attributes: { nth: [2], status: 503 } });

    const events: FaultlineEvent[] = [];
    const unsubscribe = server.state.events.subscribe((e) => e.proxy === name && events.push(e));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/f${i}`);
      await res.text();
      statuses.push(res.status);
    }
    unsubscribe();
    assert.deepEqual(statuses, [200, 503, 200, 200]);
    // undici may open a second connection on its own (it does so against the upstream directly
    // too); what matters is that the answer closed none and a connection served requests after it.
    assert.equal(events.filter((e) => e.type === 'connection-closed').length, 0, 'no connection was closed');
    const fault = events.find((e) => e.type === 'fault');
    assert.ok(fault !== undefined && fault.type === 'fault');
    const served = (await api(server, 'GET', `/proxies/${name}/connections`)).json as { id: number; bytes: { downstream: { sent: number } } }[];
    const faulted = served.find((c) => c.id === fault.fault.connection);
    assert.ok(faulted !== undefined, 'the connection that got the 503 is still open');

    await api(server, 'POST', `/proxies/${name}/toxics/second`, { attributes: { nth: [2] } }); // counts restart
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await httpRequest(port, { path: `/h${i}`, agent }));
    agent.destroy();
    assert.deepEqual(answers.map((a) => a.status), [200, 503, 200, 200]);
    assert.equal(new Set(answers.map((a) => a.localPort)).size, 1, 'node:http reused its one socket');
    assert.equal(answers[1]?.headers['x-faultline-toxic'], 'second');

    await api(server, 'POST', `/proxies/${name}/toxics/second`, { attributes: { nth: [2] } });
    const before = up.connections;
    const { stdout, stderr } = await promisify(execFile)('curl', [
      '-sv', '-w', '%{http_code}\\n',
      ...[1, 2, 3].flatMap((i) => ['-o', '/dev/null', `http://127.0.0.1:${port}/c${i}`]),
    ]);
    assert.deepEqual(stdout.trim().split('\n'), ['200', '503', '200']);
    assert.match(stderr, /Re-using existing connection|Reusing existing/i);
    assert.equal(up.connections - before, 1, 'curl used one connection');
  } finally {
    await up.close();
  }
});

test('Expect: 100-continue is forwarded; an answered one closes instead of waiting for the body', async () => {
  const up = await startHttpUpstream();
  try {
    const { name, port } = await httpProxy(up.port);
    const sent = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/upload', method: 'POST', headers: { Expect: '100-continue', 'Content-Length': 4096 } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('continue', () => req.end(Buffer.alloc(4096, 1)));
      req.on('error', reject);
    });
    assert.equal(sent, 200);
    assert.equal(up.seen.at(-1)?.bodyBytes, 4096);

    await addToxic(server, name, { type: 'error', attributes: { path: '/upload', status: 413 } });
    const raw = await rawExchange(port, 'POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4096\r\n\r\n', () => false);
    const text = raw.toString();
    assert.match(text, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
    assert.match(text, /\r\nConnection: close\r\n/);
    assert.equal(up.seen.length, 1, 'the answered request never reached the upstream');
  } finally {
    await up.close();
  }
});

test('a WebSocket upgrade passes, and the bytes after it are a tunnel', async () => {
  const http = createHttpServer();
  http.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.pipe(socket);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  try {
    const { name, port } = await httpProxy((http.address() as AddressInfo).port);
    await addToxic(server, name, { type: 'error', name: 'all', attributes: { status: 500, path: '/other' } });
    const socket = await connectTo(port);
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    const head = await collectUntil(socket, (b) => b.includes('\r\n\r\n'));
    assert.match(head.toString(), /^HTTP\/1\.1 101 /);
    // Frames that look nothing like HTTP, and one that does: both echo back untouched.
    const frames = Buffer.concat([Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x69, 0x67, 0x6f, 0x68, 0x6e]), Buffer.from('GET /other HTTP/1.1\r\n\r\n')]);
    socket.write(frames);
    const echoed = await collectUntil(socket, (b) => b.length >= frames.length);
    assert.deepEqual(echoed, frames);
    socket.destroy();
  } finally {
    http.closeAllConnections();
    http.close();
  }
});

test('bytes that are not HTTP pass through unchanged, with an event saying why', async () => {
  const echo = createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const events: FaultlineEvent[] = [];
  const unsubscribe = server.state.events.subscribe((e) => events.push(e));
  try {
    const { name, port } = await httpProxy((echo.address() as AddressInfo).port);
    const garbage = Buffer.concat([Buffer.from('\x16\x03\x01 not http at all\r\n\r\n', 'latin1'), Buffer.alloc(70_000, 0x41)]);
    const back = await rawExchange(port, garbage, (b) => b.length >= garbage.length);
    assert.deepEqual(back, garbage);
    const stopped = events.find((e) => e.type === 'framing-stopped' && e.proxy === name);
    assert.ok(stopped !== undefined && 'reason' in stopped && /not an HTTP/.test(stopped.reason), JSON.stringify(stopped));
  } finally {
    unsubscribe();
    echo.close();
  }
});

test('a 1 GB upload streams through with bounded memory, byte-identical', { timeout: 300_000 }, async () => {
  const SIZE = 1024 * 1024 * 1024;
  let upstreamHash = '';
  const up = await startHttpUpstream();
  // Hash what the upstream receives, as it streams.
  up.server.removeAllListeners('request');
  up.server.on('request', (req, res) => {
    const hash = createHash('sha256');
    req.on('data', (c: Buffer) => hash.update(c));
    req.on('end', () => {
      upstreamHash = hash.digest('hex');
      res.end('done');
    });
  });
  try {
    const { port } = await httpProxy(up.port);
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31) & 0xff;
    const clientHash = createHash('sha256');
    const socket = await connectTo(port);
    const response = collectUntil(socket, (b) => b.toString().endsWith('done'), 280_000);
    socket.write(`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${SIZE}\r\n\r\n`);
    let peak = 0;
    const base = process.memoryUsage().rss;
    for (let sent = 0; sent < SIZE; sent += block.length) {
      clientHash.update(block);
      if (!socket.write(block)) await once(socket, 'drain');
      if ((sent / block.length) % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss - base);
    }
    assert.match((await response).toString(), /^HTTP\/1\.1 200 OK/);
    socket.destroy();
    assert.equal(upstreamHash, clientHash.digest('hex'));
    // Client, proxy and upstream share this process: all three together stay far below the body.
    assert.ok(peak < 200 * 1024 * 1024, `RSS grew by ${(peak / 1048576).toFixed(0)} MB while 1 GB streamed`);
  } finally {
    await up.close();
  }
});
