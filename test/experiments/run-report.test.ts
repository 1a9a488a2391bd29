import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Faultline } from '../../src/client/index.js';
import { parseExperiment, runExperiment } from '../../src/experiments/index.js';
import { RunReporter } from '../../src/experiments/run-report.js';
import { checkMatrix, runMatrix } from '../../src/matrix/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { startTarget, type Target } from './targets.js';

/**
 * Runners report their runs to the servers they drive: a real experiment and a real matrix
 * against a real faultline server, and a reporter against servers that do not know runs, fail,
 * or never answer.
 */
let server: RunningServer;
let target: Target;
let proxyUrl: string;
const PROXY = 'run-report-web';

before(async () => {
  server = await startServer({ port: 0 });
  target = await startTarget((_req, res) => res.end('ok'));
  const proxy = await server.client.createProxy({ name: PROXY, listen: '127.0.0.1:0', upstream: target.url.slice('http://'.length) });
  proxyUrl = `http://127.0.0.1:${proxy.port}`;
});
after(async () => {
  await server?.close();
  await target?.close();
});

test('an experiment run shows up in GET /runs with its points while it runs and its final status after', async () => {
  const exp = parseExperiment(
    `title: report me
servers: [{url: "${server.url}", lease_ttl: 2s}]
duration: 3s
load: {rate: 40, requests: [{url: "${proxyUrl}/"}]}
method:
  - {at: 1s, for: 1s, fault: {proxy: ${PROXY}, type: latency, attributes: {latency: 30}}}
`,
    'report-me.yaml',
    {},
  );
  let during: Awaited<ReturnType<Faultline['runs']>>[number] | undefined;
  const poll = setInterval(() => void server.client.runs().then((runs) => (during = runs.find((r) => r.name === 'report me' && r.points.length > 0) ?? during)), 300);
  const data = await runExperiment(exp, { file: 'report-me.yaml' });
  clearInterval(poll);
  assert.equal(data.exitCode, 0, data.reason);
  assert.equal(during?.status, 'running', 'seen running, with points, before it ended');
  const run = (await server.client.runs()).find((r) => r.name === 'report me');
  assert.ok(run !== undefined, 'the run is listed');
  assert.deepEqual([run.kind, run.status, run.phase, run.file, run.reason], ['experiment', 'completed', 'done', 'report-me.yaml', null]);
  // At most one point a second over a 3 s method, at least one a second or so when not starved.
  assert.ok(run.points.length >= 1 && run.points.length <= 4, `${run.points.length} points`);
  const times = run.points.map((p) => p.t_ms);
  for (let i = 1; i < times.length; i++) assert.ok((times[i] as number) - (times[i - 1] as number) >= 900, `points ${times.join(', ')} ms`);
  assert.ok(run.points.some((p) => p.rate > 0), JSON.stringify(run.points));
  assert.ok(run.points.some((p) => p.faults.includes(`latency on ${PROXY}`)), 'the fault in place is in a point');
  assert.ok(run.elapsed_ms >= 3000, `elapsed ${run.elapsed_ms}`);
});

test('a matrix run shows up with each cell, expected and observed, and fails when one differs', async () => {
  const matrix = checkMatrix({
    title: 'report matrix',
    servers: [{ url: server.url, lease_ttl: '2s' }],
    recovery: '3s',
    features: [{ name: 'Home', probes: [{ http: { url: `${proxyUrl}/`, timeout: '1s', status: 200 } }], degraded: { slower_than: '150ms' } }],
    dependencies: [{ name: 'Web', proxy: PROXY, failures: ['down', { latency: '300ms' }] }],
    // The second is wrong on purpose: 300 ms is Degraded, not Up.
    expect: { 'Web down': { Home: 'Down' }, 'Web slow': { Home: 'Up' } },
  });
  const result = await runMatrix(matrix, { file: 'report.matrix.yaml' });
  assert.equal(result.exitCode, 1);
  const run = (await server.client.runs()).find((r) => r.name === 'report matrix');
  assert.ok(run !== undefined, 'the run is listed');
  assert.deepEqual([run.kind, run.status, run.file, run.rows, run.features], ['matrix', 'failed', 'report.matrix.yaml', ['Web down', 'Web slow'], ['Home']]);
  assert.deepEqual(
    run.cells.map((c) => [c.row, c.feature, c.expected, c.observed, c.outcome]),
    [
      ['Web down', 'Home', 'Down', 'Down', 'pass'],
      ['Web slow', 'Home', 'Up', 'Degraded', 'differs'],
    ],
  );
  assert.equal(run.reason, '1 of 2 cells not as expected');
});

/** A plain HTTP server answering every request with `answer`; counts requests. */
async function fakeServer(answer: (res: import('node:http').ServerResponse) => void): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const s: Server = createServer((req, res) => {
    hits++;
    req.resume();
    answer(res);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise<void>((r) => (s.close(() => r()), s.closeAllConnections())),
  };
}

test('a server without runs (404, as Toxiproxy) is skipped without a word; other failures warn once; a silent one delays the end at most 2 s', async () => {
  const toxiproxy = await fakeServer((res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n'));
  const broken = await fakeServer((res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('{"error":"boom","status":500}\n'));
  const silent = await fakeServer(() => undefined);
  try {
    const warnings: string[] = [];
    const reporter = new RunReporter([new Faultline(toxiproxy.url), new Faultline(broken.url)], { kind: 'experiment', name: 'quiet' }, (m) => warnings.push(m));
    for (let i = 0; i < 5; i++) reporter.send({ phase: `p${i}` });
    const t0 = performance.now();
    await reporter.end({ status: 'completed' });
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] as string, new RegExp(`^warning: could not report the run to ${broken.url}.*: boom$`));
    assert.equal(toxiproxy.hits(), 1, 'after the 404 nothing more is sent');
    assert.equal(broken.hits(), 1);

    const hanging = new RunReporter([new Faultline(silent.url)], { kind: 'matrix', name: 'slow' }, (m) => warnings.push(m));
    const sendStart = performance.now();
    for (let i = 0; i < 100; i++) hanging.progress({ elapsed_ms: i });
    assert.ok(performance.now() - sendStart < 50, 'reporting never waits for the server');
    const t1 = performance.now();
    await hanging.end({ status: 'completed' });
    const waited = performance.now() - t1;
    assert.ok(waited >= 1900 && waited < 3500, `end waited ${Math.round(waited)} ms`);
    assert.equal(silent.hits(), 1, 'one request on its way, nothing piled up behind it');
  } finally {
    await Promise.all([toxiproxy.close(), broken.close(), silent.close()]);
  }
});
