/**
 * Request-level toxics on an http proxy, driven by real HTTP clients against a real node:http
 * upstream: which requests they act on (matching, counts, probability) and what they do.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, test } from 'node:test';
import { Toxiproxy } from 'toxiproxy-node-client';
import type { FaultRecord } from '../../src/api/faults.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { httpRequest, rawExchange, startHttpUpstream, type HttpUpstream } from '../helpers/http.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { connectTo, sleep, waitClosed } from '../helpers/sockets.js';

let server: RunningServer;
let up: HttpUpstream;
let counter = 0;

before(async () => {
  server = await startTestServer();
  up = await startHttpUpstream((req, res, body) => {
    res.sendDate = false;
    const text = req.url === '/big' ? 'x'.repeat(1000) : `ok ${req.method} ${req.url} ${body.length}\n`;
    res.writeHead(200, { 'Content-Length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
  });
});
after(async () => {
  await server.close();
  await up.close();
});

async function httpProxy(on: { url: string } = server, extra: Record<string, unknown> = {}, name = `hq${++counter}`): Promise<{ name: string; port: number }> {
  const { port } = await createProxy(on, name, up.port, { protocol: 'http', ...extra });
  return { name, port };
}

/** Statuses of sequential requests on one keep-alive connection. */
async function statuses(port: number, paths: string[], headers: Record<string, string> = {}, method = 'GET'): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const out: number[] = [];
    for (const path of paths) out.push((await httpRequest(port, { path, agent, headers, method })).status);
    return out;
  } finally {
    agent.destroy();
  }
}

const times = (n: number, path = '/r'): string[] => Array.from({ length: n }, () => path);

test('counts: nth, first, after and every, across connections of the proxy by default', async () => {
  const { name, port } = await httpProxy();
  await addToxic(server, name, { type: 'error', name: 'e', attributes: { nth: [2, 3] } });
  // Two connections: the count is the proxy's, so the 2nd and 3rd requests overall fail.
  assert.deepEqual([...(await statuses(port, times(2))), ...(await statuses(port, times(3)))], [200, 503, 503, 200, 200]);

  for (const [attributes, expected] of [
    [{ first: 2 }, [503, 503, 200, 200, 200, 200]],
    [{ after: 4 }, [200, 200, 200, 200, 503, 503]],
    [{ every: 3 }, [200, 200, 503, 200, 200, 503]],
    [{ every: 2, first: 4 }, [200, 503, 200, 503, 200, 200]],
  ] as const) {
    await api(server, 'DELETE', `/proxies/${name}/toxics/e`);
    await addToxic(server, name, { type: 'error', name: 'e', attributes });
    assert.deepEqual(await statuses(port, times(6)), expected, JSON.stringify(attributes));
  }
});

test('count: connection counts on each connection separately', async () => {
  const { name, port } = await httpProxy();
  await addToxic(server, name, { type: 'error', attributes: { nth: [2], count: 'connection' } });
  assert.deepEqual(await statuses(port, times(3)), [200, 503, 200]);
  assert.deepEqual(await statuses(port, times(3)), [200, 503, 200]);
});

test('matching: method, path (exact, prefix, regex), query, headers, host; others pass untouched', async () => {
  const { name, port } = await httpProxy();
  const cases: [Record<string, unknown>, { path: string; method?: string; headers?: Record<string, string> }, number][] = [
    [{ method: ['POST', 'put'] }, { path: '/m', method: 'PUT' }, 503],
    [{ method: 'POST' }, { path: '/m', method: 'GET' }, 200],
    [{ path: '/ratings' }, { path: '/ratings?x=1' }, 503],
    [{ path: '/ratings' }, { path: '/ratings/1' }, 200],
    [{ path: '/api/*' }, { path: '/api/v1/x' }, 503],
    [{ path: '~^/item/[0-9]+$' }, { path: '/item/42' }, 503],
    [{ path: '~^/item/[0-9]+$' }, { path: '/item/x' }, 200],
    [{ query: { debug: true } }, { path: '/q?debug=' }, 503],
    [{ query: { user: '~^a' } }, { path: '/q?user=bob' }, 200],
    [{ headers: { 'X-Test': '42' } }, { path: '/h', headers: { 'x-test': '42' } }, 503],
    [{ headers: { 'x-test': '42' } }, { path: '/h', headers: { 'x-test': '43' } }, 200],
    [{ headers: { authorization: true } }, { path: '/h', headers: { Authorization: 'x' } }, 503],
    [{ host: '*.example.test' }, { path: '/', headers: { host: 'api.example.test:8080' } }, 503],
    [{ host: 'example.test' }, { path: '/', headers: { host: 'other.test' } }, 200],
  ];
  for (const [attributes, request, expected] of cases) {
    await addToxic(server, name, { type: 'error', name: 'm', attributes });
    const answer = await httpRequest(port, { ...request, agent: false });
    assert.equal(answer.status, expected, `${JSON.stringify(attributes)} on ${JSON.stringify(request)}`);
    if (expected === 200) assert.match(answer.body, /^ok /);
    await api(server, 'DELETE', `/proxies/${name}/toxics/m`);
  }
});

test('a headers match scopes a fault to one test among parallel ones on a shared proxy', async () => {
  const { name, port } = await httpProxy();
  await addToxic(server, name, { type: 'error', attributes: { headers: { 'x-test': '42' }, status: 502 } });
  const mine = Array.from({ length: 10 }, () => httpRequest(port, { path: '/p', headers: { 'x-test': '42' } }));
  const others = Array.from({ length: 10 }, (_, i) => httpRequest(port, { path: '/p', headers: { 'x-test': String(i) } }));
  assert.deepEqual((await Promise.all(mine)).map((a) => a.status), times(10).map(() => 502));
  assert.deepEqual((await Promise.all(others)).map((a) => a.status), times(10).map(() => 200));
});

test('probability is per matching request and reproducible with the same seed', async () => {
  async function pattern(seed: number): Promise<number[]> {
    const own = await startServer({ port: 0, seed });
    try {
      // The same proxy and toxic names: the seed, not the names, must decide.
      const { name, port } = await httpProxy(own, {}, 'dice');
      await addToxic(own, name, { type: 'error', attributes: { probability: 0.5 } });
      return await statuses(port, times(24));
    } finally {
      await own.close();
    }
  }
  const a = await pattern(11);
  assert.deepEqual(await pattern(11), a);
  assert.ok(a.includes(200) && a.includes(503), a.join(','));
  assert.notDeepEqual(await pattern(12), a);
});

test('error: status, body and headers of the answer; HEAD gets no body', async () => {
  const { name, port } = await httpProxy();
  await addToxic(server, name, {
    type: 'error',
    attributes: { status: 429, body: '{"error":"slow down"}', response_headers: { 'Retry-After': '7', 'Content-Type': 'application/json' } },
  });
  const answer = await httpRequest(port, { path: '/x', agent: false });
  assert.equal(answer.status, 429);
  assert.equal(answer.body, '{"error":"slow down"}');
  assert.equal(answer.headers['retry-after'], '7');
  assert.equal(answer.headers['content-type'], 'application/json');
  const raw = await rawExchange(port, 'HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n', (b) => b.toString().endsWith('{"error":"slow down"}'));
  const text = raw.toString();
  assert.equal(text.split('HTTP/1.1 429').length, 3, text);
  assert.ok(text.indexOf('slow down') === text.lastIndexOf('slow down'), 'only the GET carries a body');
});

test('delay: holds the request, or the response, by ms', async () => {
  const { name, port } = await httpProxy();
  await addToxic(server, name, { type: 'delay', name: 'd', attributes: { ms: 300, path: '/slow' } });
  let start = performance.now();
  assert.equal((await httpRequest(port, { path: '/slow', agent: false })).status, 200);
  const held = performance.now() - start;
  start = performance.now();
  await httpRequest(port, { path: '/fast', agent: false });
  const fast = performance.now() - start;
  assert.ok(held >= 280 && held < 3000, `held ${held} ms`);
  assert.ok(fast < held - 150, `unmatched took ${fast} ms`);

  await api(server, 'POST', `/proxies/${name}/toxics/d`, { attributes: { where: 'response' } });
  const seenBefore = up.seen.length;
  start = performance.now();
  const pending = httpRequest(port, { path: '/slow', agent: false });
  await sleep(120);
  assert.equal(up.seen.length, seenBefore + 1, 'the request went upstream at once');
  await pending;
  assert.ok(performance.now() - start >= 280, 'the response was held');
});

test('hang swallows the request: no answer, the connection stays open, the upstream never sees it', async () => {
  const { name, port } = await httpProxy();
  await addToxic(server, name, { type: 'hang', attributes: { path: '/hang' } });
  const seenBefore = up.seen.length;
  const socket = await connectTo(port);
  let got = '';
  socket.on('data', (c: Buffer) => (got += c.toString()));
  socket.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
  await sleep(400);
  assert.equal(got, '');
  assert.equal(socket.destroyed, false);
  assert.equal(up.seen.length, seenBefore);
  socket.destroy();
});

test('abort closes or resets instead of forwarding, or instead of the response', async () => {
  const { name, port } = await httpProxy();
  await addToxic(server, name, { type: 'abort', name: 'a', attributes: { path: '/a' } });
  let socket = await connectTo(port);
  socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(await waitClosed(socket), 'end');

  await api(server, 'POST', `/proxies/${name}/toxics/a`, { attributes: { reset: true } });
  socket = await connectTo(port);
  socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(await waitClosed(socket), 'reset');

  await api(server, 'POST', `/proxies/${name}/toxics/a`, { attributes: { reset: false, where: 'response' } });
  const seenBefore = up.seen.length;
  socket = await connectTo(port);
  let got = '';
  socket.on('data', (c: Buffer) => (got += c.toString()));
  socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(await waitClosed(socket), 'end');
  assert.equal(got, '', 'no response reached the client');
  assert.equal(up.seen.length, seenBefore + 1, 'the request reached the upstream');
});

test('truncate cuts the body; slow_headers trickles the head; rate_limit answers 429 over the limit', async () => {
  const { name, port } = await httpProxy();
  await addToxic(server, name, { type: 'truncate', attributes: { path: '/big', bytes: 10 } });
  const raw = await rawExchange(port, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n', () => false);
  const [head, body] = raw.toString().split('\r\n\r\n');
  assert.match(head ?? '', /Content-Length: 1000/);
  assert.equal(body, 'x'.repeat(10));

  await addToxic(server, name, { type: 'slow_headers', attributes: { path: '/sh', ms: 400 } });
  const socket = await connectTo(port);
  const arrivals: number[] = [];
  const start = performance.now();
  socket.on('data', () => arrivals.push(performance.now() - start));
  socket.write('GET /sh HTTP/1.1\r\nHost: x\r\n\r\n');
  await sleep(800);
  socket.destroy();
  assert.ok(arrivals.length >= 3, `${arrivals.length} pieces`);
  assert.ok((arrivals.at(-1) ?? 0) >= 300, `last piece at ${arrivals.at(-1)} ms`);

  await addToxic(server, name, { type: 'rate_limit', attributes: { path: '/rl', limit: 2, window: 60000 } });
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await httpRequest(port, { path: '/rl', agent: false }));
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 429, 429]);
  assert.equal(answers[2]?.headers['x-ratelimit-limit'], '2');
  assert.ok(Number(answers[2]?.headers['retry-after']) >= 1);
});

test('the fault log and the event stream say which request got what; metrics count faults', async () => {
  const { name, port } = await httpProxy();
  await addToxic(server, name, { type: 'error', name: 'second', attributes: { nth: [2], path: '/ratings' } });
  await statuses(port, ['/ratings', '/other', '/ratings', '/ratings'], {}, 'GET');
  const log = (await api(server, 'GET', `/proxies/${name}/faults`)).json as FaultRecord[];
  assert.equal(log.length, 1);
  assert.deepEqual({ ...log[0], at: undefined, connection: undefined }, {
    at: undefined, connection: undefined, proxy: name, request: 3, method: 'GET', path: '/ratings', toxic: 'second', type: 'error', match: 2, action: 'answered 503',
  });
  const metrics = (await api(server, 'GET', '/metrics')).text;
  assert.match(metrics, new RegExp(`faultline_faults_total\\{proxy="${name}",toxic="second",type="error"\\} 1`));
  assert.equal((await api(server, 'DELETE', `/proxies/${name}/faults`)).status, 204);
  assert.deepEqual((await api(server, 'GET', `/proxies/${name}/faults`)).json, []);
  const listed = (await api(server, 'GET', `/proxies/${name}/toxics?explain=true`)).json;
  assert.equal(listed[0].explanation, 'answers 503 instead of forwarding the 2nd /ratings request');
  assert.equal((await api(server, 'GET', `/proxies/${name}/toxics`)).json[0].explanation, undefined);
});

test("Envoy's fault headers: only when the proxy opts in, with percentages and a cap", async () => {
  const off = await httpProxy();
  assert.equal((await httpRequest(off.port, { path: '/e', agent: false, headers: { 'x-envoy-fault-abort-request': '503' } })).status, 200);

  const { name, port } = await httpProxy(server, { envoy_fault_headers: true, max_active_faults: 1 });
  const shown = (await api(server, 'GET', `/proxies/${name}`)).json;
  assert.equal(shown.envoy_fault_headers, true);
  assert.equal(shown.max_active_faults, 1);
  const aborted = await httpRequest(port, { path: '/e', agent: false, headers: { 'x-envoy-fault-abort-request': '418' } });
  assert.equal(aborted.status, 418);
  assert.equal(aborted.body, 'fault filter abort');
  assert.equal((await httpRequest(port, { path: '/e', agent: false, headers: { 'x-envoy-fault-abort-request': '418', 'x-envoy-fault-abort-request-percentage': '0' } })).status, 200);
  assert.equal((await httpRequest(port, { path: '/e', agent: false, headers: { 'x-envoy-fault-abort-request': 'abc' } })).status, 200);

  // The cap: while one request is held by its delay header, a second is not faulted.
  const start = performance.now();
  const slow = httpRequest(port, { path: '/e', agent: false, headers: { 'x-envoy-fault-delay-request': '500' } });
  await sleep(100);
  const second = await httpRequest(port, { path: '/e', agent: false, headers: { 'x-envoy-fault-abort-request': '503' } });
  assert.equal(second.status, 200, 'over the cap: not faulted');
  assert.equal((await slow).status, 200);
  assert.ok(performance.now() - start >= 450);
  assert.match((await api(server, 'GET', '/metrics')).text, new RegExp(`faultline_header_faults_overflow_total\\{proxy="${name}"\\} 1`));

  // Turning the headers off and on while a faulted request is held does not leak its slot.
  const held = httpRequest(port, { path: '/e', agent: false, headers: { 'x-envoy-fault-delay-request': '300' } });
  await sleep(50);
  await api(server, 'PATCH', `/proxies/${name}`, { envoy_fault_headers: false });
  await held; // completes while the headers are off
  await api(server, 'PATCH', `/proxies/${name}`, { envoy_fault_headers: true });
  assert.equal((await httpRequest(port, { path: '/e', agent: false, headers: { 'x-envoy-fault-abort-request': '503' } })).status, 503);
});

test('toxiproxy-node-client adds an error toxic with its generic call', async () => {
  const { name, port } = await httpProxy();
  const client = new Toxiproxy(server.url);
  const proxy = await client.get(name);
  await proxy.addToxic({ name: 'node-client-error', type: 'error', stream: 'downstream', toxicity: 1, attributes: { status: 500, nth: [1] } as never } as never);
  assert.deepEqual(await statuses(port, times(2)), [500, 200]);
});

test('bad input: each a 400 naming the field', async () => {
  const tcp = await createProxy(server, `tcp${++counter}`, up.port);
  void tcp;
  const { name } = await httpProxy();
  const cases: [string, string, unknown, RegExp][] = [
    ['POST', '/proxies', { name: 'bad-proto', upstream: '127.0.0.1:1', protocol: 'gopher' }, /protocol: expected one of tcp, http, redis, postgres, mysql, memcached, got the string "gopher"/],
    ['POST', `/proxies/tcp${counter - 1}/toxics`, { type: 'error' }, /type: error acts on single requests and needs a proxy with a protocol/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { path: '~(' } }, /attributes\.path: invalid regular expression "\("/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { status: 600 } }, /attributes\.status: expected an HTTP status from 100 to 599, got number 600/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { status: 99 } }, /attributes\.status/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { nth: 2 } }, /attributes\.nth: expected a list of positive whole numbers/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { nth: [1, 0] } }, /attributes\.nth\[1\]: expected a request number, a whole number from 1/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { nth: ['2'] } }, /attributes\.nth\[0\]/],
    ['POST', `/proxies/${name}/toxics`, { type: 'delay', attributes: { where: 'middle' } }, /attributes\.where: expected "request" or "response"/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { probability: 2 } }, /attributes\.probability: expected a number from 0 to 1/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { sqlstate: '4001' } }, /attributes\.sqlstate: expected a SQLSTATE: 5 characters, digits and capital letters/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { message: 'ERR a\r\nb' } }, /attributes\.message: expected one line of text \(no CR or LF\)/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { sqlstate: '40001' } }, /attributes\.sqlstate: means something on postgres, mysql proxies only; this proxy is http/],
    ['POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { query: '^select' } }, /attributes\.query: a regular expression over the statement is for postgres and mysql proxies/],
    ['POST', `/proxies/${name}/toxics`, { type: 'hang', attributes: { command: 'GET' } }, /attributes\.command: means something on redis, memcached proxies only/],
    ['PATCH', `/proxies/${name}`, { protocol: 'tcp', envoy_fault_headers: true }, /envoy_fault_headers: Envoy's fault headers need "protocol": "http"/],
  ];
  for (const [method, path, body, message] of cases) {
    const res = await api(server, method, path, body);
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    assert.match(res.json.error, message);
  }
  await addToxic(server, name, { type: 'hang', name: 'h' });
  const res = await api(server, 'PATCH', `/proxies/${name}`, { protocol: 'tcp' });
  assert.equal(res.status, 400);
  assert.match(res.json.error, /protocol: a tcp proxy cannot keep request-level toxics; remove h first/);
  // A misspelt attribute is accepted, as Toxiproxy does, and reported.
  const typo = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'latency', name: 'typo', attributes: { latancy: 100 } });
  assert.equal(typo.status, 200);
  assert.equal(typo.headers.get('x-faultline-warning'), 'ignored unknown attribute of latency: latancy');
});
