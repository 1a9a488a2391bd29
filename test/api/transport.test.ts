/**
 * Transport-level conformance of the control API (reference §2.1, §2.2, §11): routing, 404/405,
 * the browser guard, request ids, content types and the /version body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import {
  assertError,
  assertJson,
  assertNoContent,
  prompt,
  REQUEST_ID,
  TEXT,
} from '../helpers/api-extra.js';
import { api, createProxy, startTestServer } from '../helpers/server.js';
import { startUpstream, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let upstream: TestUpstream;

before(async () => {
  server = await startTestServer();
  upstream = await startUpstream();
  // One proxy with one toxic, so every parameterised route exists for the 405 checks.
  await createProxy(server, 'known', upstream.port);
  const res = await api(server, 'POST', '/proxies/known/toxics', { name: 'lat', type: 'latency' });
  assert.equal(res.status, 200);
});

after(async () => {
  await server.close();
  await upstream.close();
});

describe('unknown paths', () => {
  const paths = [
    '/',
    '/nope',
    '/proxies/',
    '/proxies/known/',
    '/proxies/known/toxics/',
    '/proxies/known/toxics/lat/extra',
    '/Proxies',
    '/VERSION',
    '/proxies/known/connections/',
    '/proxies//toxics',
  ];
  for (const path of paths) {
    test(`GET ${path} → 404 "404 page not found" as text, without a request id`, async () => {
      const res = await api(server, 'GET', path);
      assert.equal(res.status, 404);
      assert.equal(res.text, '404 page not found\n');
      assert.equal(res.headers.get('content-type'), TEXT);
      assert.equal(res.headers.get('x-toxiproxy-request-id'), null, 'unmatched routes bypass the middleware');
    });
  }

  test('an unknown path answers 404 for every method, also POST with a body', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const res = await api(server, method, '/nope', method === 'OPTIONS' ? undefined : { name: 'x' });
      assert.equal(res.status, 404, method);
      assert.equal(res.text, '404 page not found\n', method);
    }
  });

  test('a browser User-Agent on an unknown path still gets 404 (the guard is route middleware)', async () => {
    const res = await api(server, 'GET', '/nope', undefined, { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64)' });
    assert.equal(res.status, 404);
    assert.equal(res.text, '404 page not found\n');
  });
});

describe('known paths with a wrong method', () => {
  const cases: Array<[string, string]> = [
    ['PUT', '/proxies'],
    ['DELETE', '/proxies'],
    ['PATCH', '/proxies'],
    ['HEAD', '/proxies'],
    ['OPTIONS', '/proxies'],
    ['GET', '/populate'],
    ['PUT', '/populate'],
    ['PUT', '/proxies/known'],
    ['HEAD', '/proxies/known'],
    ['OPTIONS', '/proxies/known'],
    // 405 comes from the router: the proxy does not have to exist.
    ['PUT', '/proxies/does-not-exist'],
    ['PUT', '/proxies/known/toxics'],
    ['DELETE', '/proxies/known/toxics'],
    ['PATCH', '/proxies/known/toxics'],
    ['PUT', '/proxies/known/toxics/lat'],
    ['OPTIONS', '/proxies/known/toxics/lat'],
    ['GET', '/reset'],
    ['DELETE', '/reset'],
    ['POST', '/version'],
    ['PUT', '/version'],
    ['HEAD', '/version'],
    ['OPTIONS', '/version'],
    // faultline's additions follow the same rules.
    ['POST', '/metrics'],
    ['POST', '/events'],
    ['POST', '/proxies/known/connections'],
    ['PUT', '/proxies/known/connections/1'],
  ];
  for (const [method, path] of cases) {
    test(`${method} ${path} → 405 with an empty body`, async () => {
      const res = await api(server, method, path);
      assert.equal(res.status, 405);
      assert.equal(res.text, '');
      assert.equal(res.headers.get('content-length'), '0');
      assert.equal(res.headers.get('content-type'), null);
      assert.equal(res.headers.get('x-toxiproxy-request-id'), null);
      assert.equal(res.headers.get('access-control-allow-origin'), null, 'no CORS headers');
    });
  }

  test('a 405 changes nothing: PUT /proxies with a body creates no proxy', async () => {
    const res = await api(server, 'PUT', '/proxies', { name: 'via-put', upstream: '127.0.0.1:1' });
    assert.equal(res.status, 405);
    assert.equal((await api(server, 'GET', '/proxies/via-put')).status, 404);
  });
});

describe('browser guard', () => {
  const browsers = [
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
    'Mozilla/5.0',
    'Mozilla/',
  ];
  for (const agent of browsers) {
    test(`User-Agent ${JSON.stringify(agent.slice(0, 30))}… → 403 on /proxies`, async () => {
      const res = await api(server, 'GET', '/proxies', undefined, { 'User-Agent': agent });
      assert.equal(res.status, 403);
      assert.equal(res.text, 'User agent not allowed\n');
      assert.equal(res.headers.get('content-type'), TEXT);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.match(res.headers.get('x-toxiproxy-request-id') ?? '', REQUEST_ID, 'the request id comes before the guard');
    });
  }

  test('the guard also covers /version, /reset, /populate and the toxic routes', async () => {
    const agent = { 'User-Agent': 'Mozilla/5.0 (Macintosh)' };
    const calls: Array<[string, string, unknown]> = [
      ['GET', '/version', undefined],
      ['POST', '/reset', undefined],
      ['POST', '/populate', []],
      ['GET', '/proxies/known', undefined],
      ['GET', '/proxies/known/toxics', undefined],
      ['GET', '/proxies/known/toxics/lat', undefined],
      ['GET', '/proxies/does-not-exist', undefined],
    ];
    for (const [method, path, body] of calls) {
      const res = await api(server, method, path, body, agent);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.text, 'User agent not allowed\n', `${method} ${path}`);
    }
  });

  test('a refused browser request changes nothing', async () => {
    const agent = { 'User-Agent': 'Mozilla/5.0 (Windows NT 10.0)' };
    const created = await api(server, 'POST', '/proxies', { name: 'from-browser', upstream: '127.0.0.1:1' }, agent);
    assert.equal(created.status, 403);
    assert.equal((await api(server, 'GET', '/proxies/from-browser')).status, 404);
    const deleted = await api(server, 'DELETE', '/proxies/known/toxics/lat', undefined, agent);
    assert.equal(deleted.status, 403);
    assert.equal((await api(server, 'GET', '/proxies/known/toxics/lat')).status, 200);
  });

  const allowed = [
    'mozilla/5.0 (X11; Linux x86_64)',
    'MOZILLA/5.0',
    'Mozilla',
    'curl/8.5.0',
    'Wget/1.21',
    'axios/1.7.2',
    'node',
    'Ruby',
    'Go-http-client/1.1',
    'toxiproxy-cli/2.12.0',
  ];
  for (const agent of allowed) {
    test(`User-Agent ${JSON.stringify(agent)} passes`, async () => {
      const res = await api(server, 'GET', '/version', undefined, { 'User-Agent': agent });
      assert.equal(res.status, 200);
      assert.equal(res.text, '{"version": "2.12.0"}\n');
    });
  }

  test('a request without a User-Agent passes', async () => {
    // fetch always sends one, so speak HTTP/1.1 by hand.
    const { connect } = await import('node:net');
    const url = new URL(server.url);
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.write('GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    assert.match(raw, /^HTTP\/1\.1 200 /);
    assert.ok(raw.endsWith('\r\n\r\n{"version": "2.12.0"}\n'), raw);
  });
});

describe('request ids', () => {
  test('every matched route answers with a 20-character [0-9a-v] X-Toxiproxy-Request-Id', async () => {
    const calls: Array<[string, string, unknown, number]> = [
      ['GET', '/version', undefined, 200],
      ['GET', '/proxies', undefined, 200],
      ['GET', '/proxies/known', undefined, 200],
      ['GET', '/proxies/known/toxics', undefined, 200],
      ['GET', '/proxies/known/toxics/lat', undefined, 200],
      ['POST', '/proxies/known/toxics', { name: 'rid', type: 'noop' }, 200],
      ['PATCH', '/proxies/known/toxics/rid', { toxicity: 0.5 }, 200],
      ['DELETE', '/proxies/known/toxics/rid', undefined, 204],
      ['GET', '/proxies/missing', undefined, 404],
      ['POST', '/proxies', '{not json', 400],
      ['POST', '/populate', [], 201],
    ];
    const ids = new Set<string>();
    for (const [method, path, body, status] of calls) {
      const res = await api(server, method, path, body);
      assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
      const id = res.headers.get('x-toxiproxy-request-id') ?? '';
      assert.match(id, REQUEST_ID, `${method} ${path}`);
      ids.add(id);
    }
    assert.equal(ids.size, calls.length, 'ids are unique per request');
  });
});

describe('content types and bodies', () => {
  test('GET /version is exactly {"version": "2.12.0"}\\n as application/json;charset=utf-8', async () => {
    const res = await prompt('GET /version', () => api(server, 'GET', '/version'));
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"version": "2.12.0"}\n');
    assert.equal(res.headers.get('content-type'), 'application/json;charset=utf-8');
    assert.equal(res.headers.get('content-length'), String(res.text.length));
    assert.deepEqual(res.json, { version: '2.12.0' });
  });

  test('the reported version is at least 2.6.0, so the Ruby client uses PATCH', async () => {
    const { version } = (await api(server, 'GET', '/version')).json as { version: string };
    const [major, minor] = version.split('.').map(Number) as [number, number];
    assert.ok(major > 2 || (major === 2 && minor >= 6), version);
  });

  test('a query string does not change the route', async () => {
    const res = await api(server, 'GET', '/version?verbose=1');
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"version": "2.12.0"}\n');
    const proxies = await api(server, 'GET', '/proxies/known?x=y');
    assertJson(proxies, 200);
    assert.equal(proxies.json.name, 'known');
  });

  test('JSON successes are application/json with a Content-Length and no trailing newline', async () => {
    for (const path of ['/proxies', '/proxies/known', '/proxies/known/toxics', '/proxies/known/toxics/lat']) {
      const res = await api(server, 'GET', path);
      assertJson(res, 200);
      assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(res.text)), path);
    }
  });

  test('errors are {"error":…,"status":N}\\n as text/plain with nosniff', async () => {
    const res = await api(server, 'GET', '/proxies/missing');
    assertError(res, 404, 'proxy not found');
    assert.deepEqual(Object.keys(res.json), ['error', 'status']);
  });

  test('204 answers have an empty body and no Content-Type', async () => {
    const res = await api(server, 'POST', '/reset');
    assertNoContent(res);
    assert.equal(res.headers.get('content-type'), null);
    // Reset removed the toxic the other tests here rely on; put it back.
    assert.equal((await api(server, 'POST', '/proxies/known/toxics', { name: 'lat', type: 'latency' })).status, 200);
  });

  test('the request Content-Type is not checked', async () => {
    // fetch by hand: the api() helper always labels its bodies application/json.
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await fetch(`${server.url}/proxies/known/toxics`, {
        method: 'POST',
        headers: { 'User-Agent': 'faultline-tests', 'Content-Type': contentType },
        body: '{"name":"ct","type":"noop"}',
      });
      assert.equal(res.status, 200, contentType);
      assert.equal(((await res.json()) as { name: string }).name, 'ct');
      assertNoContent(await api(server, 'DELETE', '/proxies/known/toxics/ct'));
    }
  });

  test('many sequential requests over pooled keep-alive connections all answer', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await api(server, 'GET', '/version');
      assert.equal(res.status, 200);
    }
  });
});
