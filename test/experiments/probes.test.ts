import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Faultline } from '../../src/client/index.js';
import { parseExperiment, runExperiment } from '../../src/experiments/index.js';
import { runProbe } from '../../src/experiments/probes.js';
import type { Probe } from '../../src/experiments/schema.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { startTarget, type Target } from './targets.js';

let server: RunningServer;
let prometheus: Target;
let app: Target;
let clients: Map<string, Faultline>;

/** Answers like Prometheus's /api/v1/query: a vector, by query text. */
const answers: Record<string, unknown> = {
  'sum(rate(ok[1m]))/sum(rate(all[1m]))': { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000, '0.97'] }] } },
  'scalar(up)': { status: 'success', data: { resultType: 'scalar', result: [1700000000, '1'] } },
  'rate(all[1m])': { status: 'success', data: { resultType: 'vector', result: [{ metric: { a: '1' }, value: [1, '1'] }, { metric: { a: '2' }, value: [1, '2'] }] } },
  'bad(': { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' },
};

before(async () => {
  server = await startServer({ port: 0 });
  clients = new Map([['default', server.client]]);
  prometheus = await startTarget((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
    const body = answers[query] ?? { status: 'success', data: { resultType: 'vector', result: [] } };
    res.writeHead((body as { status: string }).status === 'success' ? 200 : 400, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  app = await startTarget((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: [{ id: 7, name: 'anvil' }], path: req.url }));
  });
});
after(async () => {
  await server?.close();
  await prometheus?.close();
  await app?.close();
});

function probe(yaml: string): Probe {
  const exp = parseExperiment(`title: t\nservers: [{url: "http://127.0.0.1:1"}]\nduration: 1s\nsteady_state: {probes: [${yaml}]}\n`, 'p.yaml', {});
  return exp.steady_state?.probes[0] as Probe;
}

test('Prometheus instant queries: one sample or a scalar compared with a threshold; anything else is a probe error', async () => {
  const url = prometheus.url;
  const ok = await runProbe(probe(`{name: p, prometheus: {url: "${url}", query: "sum(rate(ok[1m]))/sum(rate(all[1m]))", op: ">=", value: 0.95}}`), clients);
  assert.equal(ok.ok, true, ok.detail);
  const low = await runProbe(probe(`{name: p, prometheus: {url: "${url}", query: "sum(rate(ok[1m]))/sum(rate(all[1m]))", op: ">=", value: 0.99}}`), clients);
  assert.equal(low.ok, false);
  assert.equal(low.error, undefined, 'a miss, not an error');
  assert.match(low.detail, /= 0\.97, expected >= 0\.99/);
  assert.equal((await runProbe(probe(`{name: p, prometheus: {url: "${url}", query: "scalar(up)", op: "==", value: 1}}`), clients)).ok, true);
  const two = await runProbe(probe(`{name: p, prometheus: {url: "${url}", query: "rate(all[1m])", op: ">", value: 0}}`), clients);
  assert.match(two.error ?? '', /returned 2 series; aggregate it to one/);
  const none = await runProbe(probe(`{name: p, prometheus: {url: "${url}", query: "absent", op: ">", value: 0}}`), clients);
  assert.match(none.error ?? '', /returned 0 series/);
  const bad = await runProbe(probe(`{name: p, prometheus: {url: "${url}", query: "bad(", op: ">", value: 0}}`), clients);
  assert.match(bad.error ?? '', /Prometheus query failed: parse error at char 5/);
});

test('HTTP probes check status, body, JSON path and latency; TCP and command probes', async () => {
  const http = await runProbe(probe(`{name: h, http: {url: "${app.url}/x", status: 200, body_matches: anvil, json_path: {path: "$.items[0].id", equals: 7}, max_latency: 2s}}`), clients);
  assert.equal(http.ok, true, http.detail);
  const wrong = await runProbe(probe(`{name: h, http: {url: "${app.url}/x", json_path: {path: "$.items[0].name", equals: hammer}}}`), clients);
  assert.match(wrong.detail, /\$\.items\[0\]\.name is "anvil", expected "hammer"/);
  const status = await runProbe(probe(`{name: h, http: {url: "${app.url}/x", status: [500, 503]}}`), clients);
  assert.match(status.detail, /status 200, expected \[500,503\]/);
  assert.equal((await runProbe(probe(`{name: t, tcp: {address: "${app.url.slice(7)}"}}`), clients)).ok, true);
  assert.equal((await runProbe(probe(`{name: c, command: {run: "echo ready; exit 3", exit_code: 3, stdout_matches: ready}}`), clients)).ok, true);
  const slow = await runProbe(probe(`{name: c, command: {run: [sleep, "5"], timeout: 200ms}}`), clients);
  assert.match(slow.detail, /timed out after 200 ms/);
});

test("faultline's own proxy metrics, read from /metrics through the client", async () => {
  const proxy = await server.client.createProxy({ name: 'metered', listen: '127.0.0.1:0', upstream: app.url.slice(7) });
  await fetch(`http://127.0.0.1:${proxy.port}/`).then((r) => r.text());
  const r = await runProbe(probe(`{name: m, faultline: {metric: faultline_proxy_connections_total, labels: {proxy: metered}, op: ">=", value: 1}}`), clients);
  assert.equal(r.ok, true, r.detail);
  const missing = await runProbe(probe(`{name: m, faultline: {metric: no_such_metric, op: ">=", value: 1}}`), clients);
  assert.match(missing.error ?? '', /metric no_such_metric not found/);
});

test('an external load command and an action step run, with their output kept', async () => {
  const data = await runExperiment(
    parseExperiment(
      `title: t
servers: [{url: "${server.url}"}]
duration: 300ms
load: {command: {run: "echo 'Requests/sec: 123'", timeout: 5s}}
method: [{at: 0s, action: {name: warm cache, http: {url: "${app.url}/warm", status: 200}}}]
rollbacks: [{name: tidy, command: {run: "true"}}]
`,
      'x.yaml',
      {},
    ),
  );
  assert.equal(data.exitCode, 0, data.reason);
  assert.match(data.loadCommand?.stdout ?? '', /Requests\/sec: 123/);
  assert.equal(data.loadCommand?.status, 0);
  assert.equal(data.steps[0]?.status, 'succeeded');
  assert.match(JSON.stringify(data.steps[0]?.output), /\/warm/);
  assert.equal(data.userRollbacks[0]?.ok, true);
});
