import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { LIMITS, PRESET_NAMES } from '../../src/api/index.js';
import { Faultline, FaultlineError } from '../../src/client/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { cli, ok } from '../cli/cli-run.js';
import { api, startTestServer } from '../helpers/server.js';

let server: RunningServer;
let client: Faultline;
let echo: Server;
let echoPort = 0;

before(async () => {
  server = await startTestServer();
  client = new Faultline(server.url);
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as { port: number }).port;
});
after(async () => {
  await server.close();
  echo.close();
});
beforeEach(async () => {
  for (const name of Object.keys((await api(server, 'GET', '/proxies')).json)) await api(server, 'DELETE', `/proxies/${name}`);
});

const makeProxy = (name: string) => client.createProxy({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${echoPort}` });

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends `bytes` through the proxy and resolves with how long the echo took, or null if none came in `waitMs`. */
async function echoTime(port: number, bytes: number, waitMs = 5000): Promise<number | null> {
  const s = await open(port);
  const started = performance.now();
  let got = 0;
  const done = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), waitMs);
    s.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= bytes) {
        clearTimeout(timer);
        resolve(performance.now() - started);
      }
    });
  });
  s.write(Buffer.alloc(bytes, 1));
  const ms = await done;
  s.destroy();
  return ms;
}

test('GET /presets lists at least 3g, edge, satellite, lossy-wifi, dsl and offline, with figures, sources and toxics', async () => {
  const presets = await client.presets();
  for (const name of ['3g', 'edge', 'satellite', 'lossy-wifi', 'dsl', 'offline']) {
    const p = presets.find((x) => x.name === name);
    assert.ok(p !== undefined, name);
    assert.ok(p.source.length > 0 && p.toxics.length > 0, name);
  }
  const edge = presets.find((p) => p.name === 'edge');
  assert.deepEqual(edge?.figures, { rtt_ms: 300, jitter_ms: 0, down_kbps: 31, up_kbps: 31, slice_bytes: null, loss_percent: 1.5 });
  assert.deepEqual(edge?.toxics.map((t) => t.name), [
    'preset_edge_latency_downstream',
    'preset_edge_bandwidth_downstream',
    'preset_edge_latency_upstream',
    'preset_edge_bandwidth_upstream',
  ]);
});

test('every preset applies to a real proxy and comes off again, leaving other toxics alone', async () => {
  const proxy = await makeProxy('preset_all');
  await proxy.addToxic({ type: 'latency', name: 'mine', attributes: { latency: 1 } });
  for (const name of PRESET_NAMES) {
    const applied = await proxy.applyPreset(name);
    assert.equal(applied.preset, name);
    assert.deepEqual(proxy.toxics.map((t) => t.name).filter((n) => n !== 'mine').sort(), [...applied.toxics].sort());
    await proxy.removePreset(name);
    assert.deepEqual(proxy.toxics.map((t) => t.name), ['mine']);
  }
});

test('a preset replaces the one already on the proxy, and acts on the bytes', async () => {
  const proxy = await makeProxy('preset_acts');
  await proxy.applyPreset('satellite');
  await proxy.applyPreset('edge');
  assert.ok(proxy.toxics.every((t) => t.name.startsWith('preset_edge_')), proxy.toxics.map((t) => t.name).join());
  // edge: 300 ms round trip and 31 KB/s each way; 31 kB there and back (the two directions
  // overlap) takes about 1 s of rate plus the round trip.
  const ms = await echoTime(proxy.port, 31_000);
  assert.ok(ms !== null && ms >= 1000, `31 kB echoed through edge in ${ms} ms`);
  await proxy.applyPreset('offline');
  assert.equal(await echoTime(proxy.port, 10, 700), null, 'offline lets nothing through');
  await proxy.removePreset('offline');
  const fast = await echoTime(proxy.port, 10);
  assert.ok(fast !== null && fast < 500, `after removal: ${fast} ms`);
});

test('applied as one group: a part that fails takes the others with it', async () => {
  const proxy = await makeProxy('preset_atomic');
  // Fill the proxy to three toxics short of its limit; lossy-wifi needs six.
  for (let i = 0; i < LIMITS.toxicsPerProxy - 3; i++) {
    const res = await api(server, 'POST', '/proxies/preset_atomic/toxics', { type: 'noop', name: `n${i}` });
    assert.equal(res.status, 200);
  }
  await assert.rejects(proxy.applyPreset('lossy-wifi'), (err: FaultlineError) => err.status === 400 && /too many toxics/.test(err.message));
  await proxy.refresh();
  assert.equal(proxy.toxics.length, LIMITS.toxicsPerProxy - 3);
  assert.ok(!proxy.toxics.some((t) => t.name.startsWith('preset_')));
});

test('an unknown preset or proxy is a 404 naming what exists', async () => {
  await makeProxy('preset_404');
  const res = await api(server, 'POST', '/proxies/preset_404/presets/5g');
  assert.equal(res.status, 404);
  assert.match(res.json.error, /^preset not found: "5g"; presets: 3g, .*offline/);
  assert.equal((await api(server, 'POST', '/proxies/nope/presets/3g')).status, 404);
  await assert.rejects((await client.proxy('preset_404')).applyPreset('5g'), (err: FaultlineError) => err.code === 'PRESET_NOT_FOUND');
});

test('the CLI lists, applies and removes presets', async () => {
  await makeProxy('preset_cli');
  const listed = await ok(server.url, ['preset', 'list']);
  assert.match(listed, /^3g\t2000 ms\t-\t50 KB\/s\t50 KB\/s\t-\tChrome DevTools/m);
  assert.match(await ok(server.url, ['preset', 'apply', 'dsl', 'preset_cli']), /^Applied preset dsl to proxy preset_cli: preset_dsl_latency_downstream, /);
  assert.equal((await client.proxy('preset_cli')).toxics.length, 4);
  assert.equal(await ok(server.url, ['preset', 'remove', 'dsl', 'preset_cli']), 'Removed preset dsl from proxy preset_cli\n');
  assert.equal((await client.proxy('preset_cli')).toxics.length, 0);
  const bad = await cli(['preset', 'apply', 'nope', 'preset_cli', '--host', server.url]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /preset not found: "nope"/);
});
