import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { TOXIC_TYPES } from '../../src/api/index.js';
import { Faultline, FaultlineError } from '../../src/client/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { cli } from '../cli/cli-run.js';
import { serveBinary } from '../helpers/binary.js';
import { api } from '../helpers/server.js';

const TOKEN = 'access-test-token';
let open: RunningServer;
let locked: RunningServer;

before(async () => {
  open = await startServer({ port: 0, seed: 1 });
  locked = await startServer({ port: 0, seed: 1, apiToken: TOKEN });
});
after(async () => {
  await open.close();
  await locked.close();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with exactly these headers, Host included (fetch would not let a test set Host). */
function raw(server: RunningServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const hostOf = (server: RunningServer): string => new URL(server.url).host;

async function secretOf(server: RunningServer): Promise<string> {
  const page = await raw(server, 'GET', '/ui/', { Host: hostOf(server), 'User-Agent': CHROME });
  assert.equal(page.status, 200);
  const m = /<meta name="faultline-secret" content="([^"]+)">/.exec(page.body);
  assert.ok(m !== null, 'the page carries the secret');
  return m[1] as string;
}

test('the page is served only under the server\'s own address, and refuses to be framed', async () => {
  const page = await raw(open, 'GET', '/ui/', { Host: hostOf(open), 'User-Agent': CHROME });
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.match(page.body, /<script type="module" src="app.js"><\/script>/);
  const port = new URL(open.url).port;
  for (const host of [`localhost:${port}`, `[::1]:${port}`]) {
    assert.equal((await raw(open, 'GET', '/ui/', { Host: host })).status, 200, host);
  }
  const rebound = await raw(open, 'GET', '/ui/', { Host: `attacker.example:${port}`, 'User-Agent': CHROME });
  assert.equal(rebound.status, 403);
  assert.match(rebound.body, /Host "attacker\.example:\d+" is not this server's address/);
  assert.equal((await raw(open, 'GET', '/ui/', { Host: '127.0.0.1:1' })).status, 403, 'another port is another origin');
  assert.equal((await raw(open, 'GET', '/ui', { Host: hostOf(open) })).headers.location, '/ui/');
});

test('the dashboard\'s API needs the secret, the own Host and no foreign Origin; Toxiproxy\'s routes keep refusing browsers', async () => {
  const secret = await secretOf(open);
  const host = hostOf(open);
  const body = JSON.stringify({ name: 'access_ui', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  const base = { Host: host, 'User-Agent': CHROME, 'Content-Type': 'application/json' };
  assert.equal((await raw(open, 'POST', '/ui/api/proxies', base, body)).status, 403, 'no secret');
  assert.equal((await raw(open, 'POST', '/ui/api/proxies', { ...base, 'X-Faultline-Dashboard': 'wrong' }, body)).status, 403);
  assert.equal((await raw(open, 'POST', '/ui/api/proxies', { ...base, 'X-Faultline-Dashboard': secret, Origin: 'http://evil.example' }, body)).status, 403);
  assert.equal((await raw(open, 'POST', '/ui/api/proxies', { ...base, 'X-Faultline-Dashboard': secret, 'Sec-Fetch-Site': 'cross-site' }, body)).status, 403);
  assert.equal((await raw(open, 'POST', '/ui/api/proxies', { ...base, 'X-Faultline-Dashboard': secret, Host: 'evil.example:80' }, body)).status, 403);
  assert.equal((await raw(open, 'POST', '/proxies', base, body)).status, 403, "Toxiproxy's browser guard stays");
  assert.deepEqual(Object.keys((await api(open, 'GET', '/proxies')).json), [], 'nothing was created');
  const created = await raw(open, 'POST', '/ui/api/proxies', { ...base, 'X-Faultline-Dashboard': secret, Origin: `http://${host}`, 'Sec-Fetch-Site': 'same-origin' }, body);
  assert.equal(created.status, 201);
  assert.equal(JSON.parse(created.body).name, 'access_ui');
  await api(open, 'DELETE', '/proxies/access_ui');
});

test('with an API token, every client must send it: raw HTTP, the typed client, the CLI and the dashboard', async () => {
  const noToken = await api(locked, 'GET', '/proxies');
  assert.equal(noToken.status, 401);
  assert.match(noToken.json.error, /^missing or wrong API token/);
  assert.equal((await api(locked, 'GET', '/version', undefined, { Authorization: 'Bearer nope' })).status, 401);
  assert.equal((await api(locked, 'GET', '/version', undefined, { Authorization: `Bearer ${TOKEN}` })).status, 200);
  assert.equal((await api(locked, 'GET', '/proxies', undefined, { Authorization: `Bearer ${TOKEN}`, 'User-Agent': CHROME })).status, 403, 'a browser is still refused');

  await assert.rejects(new Faultline(locked.url, { token: null }).proxies(), (err: FaultlineError) => err.status === 401 && err.code === 'UNAUTHORIZED');
  const client = new Faultline(locked.url, { token: TOKEN });
  await client.createProxy({ name: 'access_token', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  assert.equal(locked.client.url, locked.url);
  assert.ok((await locked.client.proxies()).access_token !== undefined, "the server's own client carries the token");

  const denied = await cli(['list', '--host', locked.url]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /missing or wrong API token/);
  const viaEnv = await cli(['list', '--host', locked.url], { env: { FAULTLINE_API_TOKEN: TOKEN } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, /access_token/);
  const viaFlag = await cli(['--api-token', TOKEN, 'list', '--host', locked.url]);
  assert.equal(viaFlag.code, 0, viaFlag.stderr);

  const secret = await secretOf(locked);
  const headers = { Host: hostOf(locked), 'User-Agent': CHROME, 'X-Faultline-Dashboard': secret };
  const page = await raw(locked, 'GET', '/ui/', headers);
  assert.match(page.body, /<meta name="faultline-token" content="on">/);
  assert.equal((await raw(locked, 'GET', '/ui/api/proxies', headers)).status, 401);
  assert.equal((await raw(locked, 'GET', '/ui/api/proxies', { ...headers, Authorization: `Bearer ${TOKEN}` })).status, 200);
});

test('a non-loopback API without a token is warned about at start-up', async () => {
  const bare = await serveBinary(['server', '--host', '0.0.0.0', '--port', '0', '--no-metrics']);
  const guarded = await serveBinary(['server', '--host', '0.0.0.0', '--port', '0', '--api-token', TOKEN]);
  const local = await serveBinary(['server', '--port', '0']);
  try {
    await new Promise((r) => setTimeout(r, 200));
    assert.match(bare.logs(), /"level":40.*non-loopback address without an API token/);
    assert.doesNotMatch(guarded.logs(), /without an API token/);
    assert.doesNotMatch(local.logs(), /without an API token/);
    assert.match(local.logs(), /"ui":"http:\/\/127\.0\.0\.1:\d+\/ui\/"/);
  } finally {
    for (const s of [bare, guarded, local]) s.child.kill('SIGTERM');
  }
});

test('--no-ui serves no dashboard', async () => {
  const server = await startServer({ port: 0, ui: false });
  try {
    assert.equal(server.uiUrl, null);
    assert.equal((await raw(server, 'GET', '/ui/', { Host: hostOf(server) })).status, 404);
  } finally {
    await server.close();
  }
  const child = await serveBinary(['server', '--port', '0', '--no-ui']);
  try {
    assert.match(child.logs(), /"ui":"off"/);
  } finally {
    child.child.kill('SIGTERM');
  }
});

test('GET /toxic-types gives every type with the JSON Schema of its attributes', async () => {
  const types = await open.client.toxicTypes();
  assert.deepEqual(types.map((t) => t.type), TOXIC_TYPES);
  const latency = types.find((t) => t.type === 'latency');
  assert.equal(latency?.level, 'stream');
  assert.deepEqual(latency?.required, ['latency']);
  const props = (latency?.schema as { properties: Record<string, { type: string; minimum: number; default: number }> }).properties;
  assert.deepEqual(Object.keys(props), ['latency', 'jitter']);
  assert.equal(props.latency?.type, 'integer');
  assert.equal(props.latency?.minimum, 0);
  assert.equal(latency?.explanation, 'delays each chunk by 0 ms');
});

test('/events?traffic=true adds byte totals per proxy every second', async () => {
  await open.client.createProxy({ name: 'access_traffic', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  const res = await fetch(`${open.url}/events?traffic=true&proxy=access_traffic`, { headers: { 'User-Agent': 'faultline-tests' } });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const started = Date.now();
  while ((text.match(/event: traffic/g) ?? []).length < 2 && Date.now() - started < 5000) text += (await reader.read()).value ?? '';
  await reader.cancel();
  const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
  assert.ok(events.length >= 2);
  assert.deepEqual(Object.keys(events[0]).sort(), ['at', 'bytes', 'connections', 'proxy', 'type']);
  assert.deepEqual(events[0].bytes, { upstream: { received: 0, sent: 0 }, downstream: { received: 0, sent: 0 } });
  const plain = await fetch(`${open.url}/events`, { headers: { 'User-Agent': 'faultline-tests' } });
  const first = await plain.body!.pipeThrough(new TextDecoderStream()).getReader().read();
  assert.doesNotMatch(first.value ?? '', /traffic/, 'without the flag, no traffic events');
  await plain.body?.cancel().catch(() => undefined);
  await api(open, 'DELETE', '/proxies/access_traffic');
});
