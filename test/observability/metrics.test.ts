import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { addToxic, api, createProxy } from '../helpers/server.js';
import { connectTo, readBytes, sleep, startUpstream, waitClosed, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let echo: TestUpstream;

before(async () => {
  server = await startServer({ port: 0, seed: 1 });
  echo = await startUpstream();
});
after(async () => {
  await server.close();
  await echo.close();
});

/** Reads one sample from the Prometheus text: `name{labels} value`. */
async function sample(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = (await api(server, 'GET', '/metrics')).text;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

test("Toxiproxy's byte counters move while the connection is still open", async () => {
  const { port, listen } = await createProxy(server, 'bytes', echo.port);
  const socket = await connectTo(port);
  socket.write(Buffer.alloc(1000, 1));
  await readBytes(socket, 1000);
  const labels = { proxy: 'bytes', listener: listen, upstream: `127.0.0.1:${echo.port}` };
  assert.equal(await sample('toxiproxy_proxy_received_bytes_total', { ...labels, direction: 'upstream' }), 1000);
  assert.equal(await sample('toxiproxy_proxy_sent_bytes_total', { ...labels, direction: 'upstream' }), 1000);
  assert.equal(await sample('toxiproxy_proxy_received_bytes_total', { ...labels, direction: 'downstream' }), 1000);
  assert.equal(await sample('faultline_proxy_connections_active', { proxy: 'bytes' }), 1);
  socket.end();
  await waitClosed(socket);
  await sleep(50);
  assert.equal(await sample('faultline_proxy_connections_active', { proxy: 'bytes' }), 0);
  assert.equal(await sample('faultline_proxy_connections_total', { proxy: 'bytes' }), 1);
  assert.equal(await sample('toxiproxy_proxy_sent_bytes_total', { ...labels, direction: 'downstream' }), 1000, 'totals survive the close');
});

test('sent bytes count what toxics let through, received what arrived', async () => {
  const { port, listen } = await createProxy(server, 'limited', echo.port);
  await addToxic(server, 'limited', { type: 'limit_data', stream: 'upstream', attributes: { bytes: 300 } });
  const socket = await connectTo(port);
  socket.write(Buffer.alloc(1000, 2));
  await waitClosed(socket);
  await sleep(50);
  const labels = { proxy: 'limited', listener: listen, direction: 'upstream' };
  assert.equal(await sample('toxiproxy_proxy_sent_bytes_total', labels), 300);
  assert.ok(((await sample('toxiproxy_proxy_received_bytes_total', labels)) ?? 0) >= 300);
});

test('upstream connect failures and toxic activations are counted', async () => {
  await createProxy(server, 'dead', 1);
  const { port } = await api(server, 'GET', '/proxies/dead').then((r) => ({ port: Number(r.json.listen.split(':')[1]) }));
  for (let i = 0; i < 3; i++) await waitClosed(await connectTo(port));
  await sleep(50);
  assert.equal(await sample('faultline_proxy_upstream_failures_total', { proxy: 'dead' }), 3);

  const half = await createProxy(server, 'half', echo.port);
  await addToxic(server, 'half', { name: 'maybe', type: 'latency', toxicity: 0.5, attributes: { latency: 1 } });
  const sockets = [];
  for (let i = 0; i < 20; i++) sockets.push(await connectTo(half.port));
  await sleep(100);
  const applied = await sample('faultline_toxic_activations_total', { proxy: 'half', toxic: 'maybe', type: 'latency', stream: 'downstream' });
  assert.ok(applied !== undefined && applied > 0 && applied < 20, `a 0.5 toxic applied to ${applied} of 20 connections`);
  const listed = (await api(server, 'GET', '/proxies/half/connections')).json as { toxics: { downstream: string[] } }[];
  assert.equal(listed.filter((c) => c.toxics.downstream.includes('maybe')).length, applied, 'the connection list agrees');
  for (const s of sockets) s.destroy();
});

test('runtime metrics are served too, in the Prometheus text format', async () => {
  const res = await api(server, 'GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(res.text, /^# HELP process_cpu_user_seconds_total /m);
  assert.match(res.text, /^# TYPE toxiproxy_proxy_received_bytes_total counter$/m);
});

test('metrics: false removes the route, as a Toxiproxy started without metric flags', async () => {
  const bare = await startServer({ port: 0, metrics: false });
  try {
    const res = await api(bare, 'GET', '/metrics');
    assert.equal(res.status, 404);
  } finally {
    await bare.close();
  }
});
