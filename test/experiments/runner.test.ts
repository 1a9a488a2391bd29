import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseExperiment, runExperiment, toJournal, type RunData } from '../../src/experiments/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { BIN } from '../helpers/binary.js';
import { startTarget, type Target } from './targets.js';

let server: RunningServer;
let target: Target;
let dir: string;
let proxyPort: number;

before(async () => {
  server = await startServer({ port: 0 });
  target = await startTarget((_req, res) => res.end('ok'));
  const proxy = await server.client.createProxy({ name: 'web', listen: '127.0.0.1:0', upstream: target.url.slice('http://'.length) });
  proxyPort = proxy.port;
  dir = await mkdtemp(join(tmpdir(), 'faultline-exp-runner-'));
});
after(async () => {
  await server?.close();
  await target?.close();
  await rm(dir, { recursive: true, force: true });
});

function exp(body: string, url = server.url): ReturnType<typeof parseExperiment> {
  return parseExperiment(`title: t\nservers: [{url: "${url}", lease_ttl: 1s}]\n${body}`, 'test.yaml', {});
}

async function assertClean(): Promise<void> {
  const web = await server.client.proxy('web');
  assert.equal(web.enabled, true, 'proxy left disabled');
  assert.deepEqual(web.toxics, [], 'toxics left behind');
}

test('success: faults are applied on time, removed at their end, and the journal tells it', async () => {
  let seen: unknown[] = [];
  const poll = setInterval(() => void server.client.proxy('web').then((p) => (seen = [...seen, ...p.toxics.map((t) => t.name)])), 50);
  const data = await runExperiment(
    exp(`duration: 1200ms
method:
  - {name: slow web, at: 200ms, for: 500ms, fault: {proxy: web, type: latency, attributes: {latency: 20}}}
  - {at: 300ms, for: 300ms, down: web}
`),
  );
  clearInterval(poll);
  assert.equal(data.exitCode, 0, data.reason);
  assert.ok(seen.includes('experiment-1'), 'the latency toxic was in place during the run');
  await assertClean();
  const j = toJournal(data) as Record<string, any>;
  assert.equal(j.status, 'completed');
  assert.equal(j['chaoslib-version'], '1.45.0');
  assert.deepEqual(j.run.map((r: any) => [r.activity.name, r.status]), [['slow web', 'succeeded'], ['take web down', 'succeeded']]);
  const windows = j['x-faultline'].fault_windows;
  assert.equal(windows.length, 2);
  assert.ok(Math.abs(windows[0].from_ms - 200) < 300 && Math.abs(windows[0].to_ms - 700) < 300, JSON.stringify(windows));
});

test('a tripped threshold aborts, rolls back and fails the run with the reason', async () => {
  const data = await runExperiment(
    exp(`duration: 5s
load: {rate: 50, requests: [{url: "http://127.0.0.1:${proxyPort}/"}]}
method:
  - {at: 500ms, fault: {proxy: web, type: latency, attributes: {latency: 400}}}
thresholds: ["p99 > 250ms over 2s"]
`),
  );
  assert.equal(data.exitCode, 1);
  assert.equal(data.status, 'failed');
  assert.equal(data.deviated, true);
  assert.match(data.reason ?? '', /threshold tripped: p99 > 250ms over 2s: \d+(\.\d+)? ms over the last 2s > 250 ms/);
  assert.ok(data.methodMs < 4000, `aborted early, after ${data.methodMs} ms`);
  assert.ok(data.rollbacks.some((r) => r.ok && /remove toxic experiment-1/.test(r.what)));
  await assertClean();
});

test('an error mid-method aborts and rolls back what was applied before it', async () => {
  const data = await runExperiment(
    exp(`duration: 3s
method:
  - {at: 0s, fault: {proxy: web, type: latency, attributes: {latency: 5}}}
  - {at: 300ms, fault: {proxy: web, type: no_such_toxic}}
`),
  );
  assert.equal(data.status, 'aborted');
  assert.equal(data.exitCode, 1);
  assert.match(data.reason ?? '', /step "no_such_toxic on web" failed: invalid toxic type/);
  await assertClean();
});

test('a steady state not met before the method: nothing is applied, the run fails and says why', async () => {
  let applied = false;
  const poll = setInterval(() => void server.client.proxy('web').then((p) => (applied ||= p.toxics.length > 0)), 20);
  const data = await runExperiment(
    exp(`duration: 1s
steady_state: {probes: [{name: closed port, tcp: {address: "127.0.0.1:1"}}]}
method: [{at: 0s, fault: {proxy: web, type: latency, attributes: {latency: 5}}}]
`),
  );
  clearInterval(poll);
  assert.equal(data.exitCode, 1);
  assert.equal(data.status, 'failed');
  assert.match(data.reason ?? '', /steady state not met before the method, so it was not started: closed port \(cannot connect to 127\.0\.0\.1:1: ECONNREFUSED\)/);
  assert.equal(data.methodStart, null);
  assert.equal(applied, false);
  await assertClean();
});

test('proxies the experiment creates carry their protocol through and are deleted afterwards', async () => {
  const data = await runExperiment(
    parseExperiment(
      `title: t\nservers: [{url: "${server.url}", proxies: [{name: made, upstream: "127.0.0.1:9", protocol: http}]}]\nduration: 300ms\nmethod: [{at: 0s, fault: {proxy: made, type: latency, attributes: {latency: 1}}}]\n`,
      'test.yaml',
      {},
    ),
  );
  assert.equal(data.exitCode, 0, data.reason);
  assert.deepEqual(data.createdProxies, ['default/made']);
  assert.equal(Object.keys(await server.client.proxies()).includes('made'), false);
});

test('ramp moves an attribute from its start to its end; flap turns a fault on and off', async () => {
  const values: number[] = [];
  const poll = setInterval(
    () =>
      void server.client.proxy('web').then((p) => {
        const t = p.toxics.find((x) => x.name === 'experiment-1');
        if (t !== undefined) values.push((t.attributes as { latency: number }).latency);
      }),
    40,
  );
  const data = await runExperiment(
    exp(`duration: 2400ms
method:
  - {at: 0s, for: 1200ms, fault: {proxy: web, type: latency, attributes: {latency: 0}}, ramp: {attribute: latency, from: 0, to: 1000, over: 1s, every: 200ms}}
  - {at: 1200ms, for: 1100ms, fault: {proxy: web, type: latency, attributes: {latency: 5}}, flap: {on: 200ms, off: 200ms}}
`),
  );
  clearInterval(poll);
  assert.equal(data.exitCode, 0, data.reason);
  assert.ok(values.length > 5);
  for (let i = 1; i < values.length; i++) assert.ok((values[i] as number) >= (values[i - 1] as number), `ramp went down: ${values}`);
  assert.equal(values.at(-1), 1000);
  assert.ok(values.some((v) => v > 0 && v < 1000), `intermediate values: ${values}`);
  const flap = data.steps[1];
  assert.equal(flap?.windows.length, 3, JSON.stringify(flap?.windows));
  await assertClean();
});

test('a random schedule is seeded: the same seed replays the same plan', async () => {
  const body = `duration: 1s
method:
  - random: {faults: [{fault: {proxy: web, type: latency, attributes: {latency: 5}}}, {down: web}], every: [50ms, 150ms], for: [50ms, 100ms]}
    for: 1s
`;
  const a = await runExperiment(exp(body), { seed: 11 });
  const b = await runExperiment(exp(body), { seed: 11 });
  const c = await runExperiment(exp(body), { seed: 12 });
  const plan = (d: RunData) => d.plan?.steps.map((s) => [s.name, s.startMs, s.endMs]);
  assert.equal(a.exitCode, 0, a.reason);
  assert.ok((plan(a)?.length ?? 0) >= 4);
  assert.deepEqual(plan(a), plan(b));
  assert.notDeepEqual(plan(a), plan(c));
  assert.deepEqual(Object.keys((toJournal(a) as any)['x-faultline'].random_seeds), ['0']);
  await assertClean();
});

/** A front that forwards to faultline but answers 404 to /leases, as a real Toxiproxy would. */
async function withoutLeases(): Promise<{ url: string; close: () => Promise<void> }> {
  const api = new URL(server.url);
  const front: Server = createServer((req, res) => {
    if (req.url?.startsWith('/leases') === true) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found\n');
      return;
    }
    const up = request({ host: api.hostname, port: api.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    close: () => new Promise((r) => (front.close(() => r()), front.closeAllConnections())),
  };
}

test('against a server without leases (Toxiproxy) it warns and still rolls back itself', async () => {
  const front = await withoutLeases();
  try {
    const data = await runExperiment(exp(`duration: 400ms\nmethod: [{at: 0s, fault: {proxy: web, type: latency, attributes: {latency: 5}}}]\n`, front.url));
    assert.equal(data.exitCode, 0, data.reason);
    assert.match(data.warnings.join('\n'), /has no leases \(Toxiproxy\?\): faults are rolled back by this runner only/);
    assert.ok(data.rollbacks.some((r) => r.ok));
    await assertClean();
  } finally {
    await front.close();
  }
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} mid-fault: the runner rolls back, exits 1 and writes its reports`, async () => {
    const file = join(dir, `${signal}.yaml`);
    await writeFile(file, `title: interrupted\nservers: [{url: "${server.url}"}]\nduration: 30s\nmethod: [{at: 0s, fault: {proxy: web, type: latency, attributes: {latency: 5}}}, {at: 0s, down: web}]\n`);
    const child = spawn(process.execPath, [BIN, 'experiment', 'run', file, '--out', join(dir, signal)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
      if (!sent && (stdout.match(/fault on:/g) ?? []).length === 2) {
        sent = true;
        child.kill(signal);
      }
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 1, stdout);
    assert.match(stdout, /interrupted/);
    assert.match(stdout, /wrote .*journal\.json/);
    await assertClean();
  });
}
