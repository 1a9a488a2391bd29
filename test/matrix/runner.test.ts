import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { checkMatrix, matrixJUnit, MatrixSession, rowsOf, runMatrix, terminalTable, type MatrixInput } from '../../src/matrix/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { BIN } from '../helpers/binary.js';
import { startTestServer } from '../helpers/server.js';
import { unusedPort } from '../helpers/sockets.js';
import { startCounterApp, type CounterApp } from './counter-app.js';

/**
 * The runner against a real faultline server and the real local Redis, with a one-feature
 * app: failure modes as rows, a feature that never recovers, faults removed after every cell
 * whatever the probe did, and runs interrupted by Ctrl-C or killed outright.
 */
const KEY = `mx-runner-${process.pid}`;
const PROXY = 'mx-run-redis';
let server: RunningServer;
let redisAt: string;
let dir: string;
const apps: CounterApp[] = [];

before(async () => {
  server = await startTestServer();
  const [p] = await server.client.populate([{ name: PROXY, listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' }]);
  redisAt = `${p?.host}:${p?.port}`;
  dir = await mkdtemp(join(tmpdir(), 'faultline-matrix-runner-'));
});
after(async () => {
  for (const a of apps) await a.close();
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  await redis.del(KEY, `${KEY}-b`, `${KEY}-c`);
  redis.disconnect();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function app(reconnect = true, key = KEY): Promise<CounterApp> {
  const a = await startCounterApp({ redis: redisAt, key, reconnect });
  apps.push(a);
  return a;
}

async function assertClean(when: string): Promise<void> {
  const p = await server.client.proxy(PROXY);
  assert.equal(p.enabled, true, `${PROXY} left disabled ${when}`);
  assert.deepEqual(p.toxics, [], `${PROXY} left with toxics ${when}`);
}

const matrixFor = (url: string, extra: Partial<MatrixInput> = {}, failures: MatrixInput['dependencies'][number]['failures'] = ['down']): MatrixInput => ({
  title: 'Counter',
  servers: [{ url: server.url, lease_ttl: '2s' }],
  recovery: '3s',
  features: [{ name: 'Counter', probes: [{ name: 'count', http: { url: `${url}/count`, timeout: '2s', status: 200 } }], degraded: { slower_than: '200ms' } }],
  dependencies: [{ name: 'Redis', proxy: PROXY, failures }],
  expect: { Redis: { Counter: 'Down' } },
  ...extra,
});

test('each failure mode is its own row: down and a timeout are Down, latency is Degraded by the slower_than marker', async () => {
  const a = await app();
  const input = matrixFor(a.url, { repeat: 2, expect: { 'Redis down': { Counter: 'Down' }, 'Redis slow': { Counter: 'Degraded' }, 'Redis timeout': { Counter: 'Down' } } }, ['down', { latency: '400ms' }, { timeout: '0s' }]);
  const run = await runMatrix(checkMatrix(input));
  const summary = run.cells.map((c) => [c.row, c.observed, c.outcome]);
  assert.deepEqual(
    summary,
    [
      ['Redis down', 'Down', 'pass'],
      ['Redis slow', 'Degraded', 'pass'],
      ['Redis timeout', 'Down', 'pass'],
    ],
    run.cells.map((c) => `${c.row}: ${c.reason}`).join('\n'),
  );
  assert.equal(run.exitCode, 0);
  assert.match(run.cells[1]?.reason ?? '', /^took \d+ ms, more than 200 ms$/);
  assert.deepEqual(run.cells[1]?.probes.map((p) => [p.attempt, p.state]), [
    [1, 'Degraded'],
    [2, 'Degraded'],
  ]);
  assert.equal(matrixJUnit(run).match(/<testcase /g)?.length, 3);
  await assertClean('after the run');
});

test('a feature that stays broken after the fault is removed is flagged, and fails the run', async () => {
  const a = await app(false, `${KEY}-b`);
  const run = await runMatrix(checkMatrix(matrixFor(a.url, { recovery: '1s' })));
  const cell = run.cells[0];
  assert.equal(cell?.observed, 'Down');
  assert.equal(cell?.outcome, 'no-recovery');
  assert.equal(cell?.recovered, false);
  assert.match(cell?.reason ?? '', /^Down under the fault, and still Down 1s after it was removed \(status 503/);
  assert.equal(run.exitCode, 1);
  assert.match(terminalTable(run, false), /\| Redis \| ! Down, no recovery \|/);
  assert.match(matrixJUnit(run), /<failure message="Down, no recovery: [^"]*" type="no-recovery">/);
  await assertClean('after a cell that did not recover');
});

test('the fault is removed after every cell, when the probe throws and when the fault cannot be applied', async () => {
  const a = await app(true, `${KEY}-c`);
  const input: MatrixInput = {
    title: 'Rude',
    servers: [{ url: server.url, lease_ttl: '2s' }],
    recovery: '3s',
    features: [
      { name: 'Hang-up', probes: [{ http: { url: `${a.url}/count-or-hang-up`, timeout: '2s' } }] },
      { name: 'Health', probes: [{ http: { url: `${a.url}/health`, timeout: '2s' } }] },
    ],
    dependencies: [{ name: 'Redis', proxy: PROXY, failures: ['down', { latency: '50ms' }, { name: 'bogus', toxic: { type: 'no_such_toxic' } }] }],
    expect: {
      'Redis down': { 'Hang-up': 'Down', Health: 'Up' },
      'Redis slow': { 'Hang-up': 'Up', Health: 'Up' },
      'Redis bogus': { 'Hang-up': 'Up', Health: 'Up' },
    },
  };
  const matrix = checkMatrix(input);
  const session = new MatrixSession(matrix);
  await session.open();
  const seen: string[] = [];
  try {
    for (const row of rowsOf(matrix)) {
      for (const feature of matrix.features) {
        const cell = await session.runCell(row, feature);
        seen.push(`${cell.row} × ${cell.feature}: ${cell.outcome} ${cell.observed ?? '-'}`);
        if (row.label === 'Redis down' && feature.name === 'Hang-up') {
          // The probe's fetch threw (the app dropped the connection): Down, and the proxy is back.
          assert.match(cell.probes[0]?.result.error ?? '', /fetch failed/);
        }
        if (row.label === 'Redis bogus') assert.match(cell.reason, /could not apply no_such_toxic/);
        await assertClean(`after ${cell.row} × ${cell.feature}`);
      }
    }
  } finally {
    await session.close();
  }
  assert.deepEqual(seen, [
    'Redis down × Hang-up: pass Down',
    'Redis down × Health: pass Up',
    'Redis slow × Hang-up: pass Up',
    'Redis slow × Health: pass Up',
    'Redis bogus × Hang-up: error -',
    'Redis bogus × Health: error -',
  ]);
});

/** A matrix file whose only cell holds a 20 s latency fault while its probe waits for it. */
async function slowCellFile(url: string, name: string): Promise<string> {
  const file = join(dir, name);
  const input = matrixFor(url, { servers: [{ url: server.url, lease_ttl: '1s' }], expect: { 'Redis slow': { Counter: 'Degraded' } } }, [{ latency: '20s' }]);
  input.features = [{ name: 'Counter', probes: [{ http: { url: `${url}/count`, timeout: '30s' } }] }];
  await writeFile(file, JSON.stringify(input));
  return file;
}

function startCli(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c));
  child.stderr?.on('data', (c: Buffer) => (stderr += c));
  return { child, done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) };
}

async function waitFor(what: string, check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > withinMs) assert.fail(`${what}: not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return performance.now() - started;
}

const faulted = async (): Promise<boolean> => (await server.client.proxy(PROXY)).toxics.length > 0;

test('Ctrl-C mid-cell: the runner removes the fault itself and exits 1, the cell marked interrupted', async () => {
  const a = await app();
  const file = await slowCellFile(a.url, 'sigint.json');
  const out = join(dir, 'sigint');
  const { child, done } = startCli(['matrix', 'run', file, '--out', out]);
  await waitFor('the fault in place', faulted, 15_000);
  const sent = performance.now();
  child.kill('SIGINT');
  const r = await done;
  const ms = performance.now() - sent;
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.ok(ms < 10_000, `took ${ms} ms to stop`);
  await assertClean('after Ctrl-C');
  const json = JSON.parse(await readFile(join(out, 'matrix.json'), 'utf8'));
  assert.equal(json.interrupted, true);
  assert.equal(json.cells[0].outcome, 'interrupted');
  assert.match(r.stderr, /SIGINT: removing the fault in place/);
});

test('killed mid-cell (SIGKILL): the fault outlives the runner only until its lease expires', async () => {
  const a = await app();
  const file = await slowCellFile(a.url, 'sigkill.json');
  const { child, done } = startCli(['matrix', 'run', file]);
  await waitFor('the fault in place', faulted, 15_000);
  child.kill('SIGKILL');
  const r = await done;
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(await faulted(), true, 'the runner cannot have removed it: it was killed');
  const ms = await waitFor('the lease to remove the fault', async () => !(await faulted()), 8000);
  process.stdout.write(`# lease (ttl 1 s) removed the killed runner's fault ${Math.round(ms)} ms after the kill\n`);
  await assertClean('after the lease expired');
});

test('--update writes the observed states into the file, keeping its comments; --only runs some cells', async () => {
  const a = await app();
  const file = join(dir, 'update.yaml');
  await writeFile(
    file,
    `# The counter's matrix
title: Counter
servers: [{ url: "${server.url}", lease_ttl: 2s }]
recovery: 3s
features:
  - name: Counter
    probes: [{ http: { url: "${a.url}/count", timeout: 2s } }]
  - name: Health
    probes: [{ http: { url: "${a.url}/health", timeout: 2s } }]
dependencies:
  - { name: Redis, proxy: ${PROXY} }
expect:
  Redis: { Counter: Up, Health: Up } # wrong on purpose: Counter needs Redis
`,
  );
  let r = await startCli(['matrix', 'run', file, '--only', 'Counter', '--junit', join(dir, 'only.xml')]).done;
  assert.equal(r.code, 1, r.stderr);
  // Only the Counter column ran, and only it is reported.
  assert.match(r.stdout, /\|\s+\| Counter\s+\|\n\|-+\|-+\|\n\| Redis \| ! Down \(expected Up\) \|\n/);
  assert.match(r.stdout, /0 of 1 cells as expected, 1 differ/);
  assert.match(await readFile(join(dir, 'only.xml'), 'utf8'), /tests="1" failures="1" errors="0" skipped="0"/);
  r = await startCli(['matrix', 'run', file, '--update']).done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /updated 1 expectation\(s\): Redis × Counter: Up → Down/);
  const text = await readFile(file, 'utf8');
  assert.match(text, /^# The counter's matrix/);
  assert.match(text, /Redis: \{ Counter: Down, Health: Up \}/);
  r = await startCli(['matrix', 'run', file, '-q']).done;
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /2 of 2 cells as expected/);
  await assertClean('after the CLI runs');
});

/** A front that forwards to faultline but answers 404 to /leases, as a real Toxiproxy 2.12 would. */
async function withoutLeases(): Promise<{ url: string; close: () => Promise<void> }> {
  const api = new URL(server.url);
  const front = createServer((req, res) => {
    if (req.url?.startsWith('/leases') === true) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
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

test('against a server without leases (Toxiproxy) it warns, and still removes every fault itself', async () => {
  const a = await app();
  const front = await withoutLeases();
  try {
    const input = matrixFor(a.url, { servers: [{ url: front.url }], expect: { 'Redis down': { Counter: 'Down' }, 'Redis slow': { Counter: 'Degraded' } } }, ['down', { latency: '400ms' }]);
    const run = await runMatrix(checkMatrix(input));
    assert.equal(run.exitCode, 0, run.cells.map((c) => `${c.row}: ${c.outcome} ${c.reason}`).join('\n'));
    assert.match(run.warnings.join('\n'), /has no leases \(Toxiproxy\?\): faults are rolled back by this runner only/);
    assert.ok(run.cells.every((c) => c.rollbacks.length === 1 && c.rollbacks[0]?.ok === true));
    await assertClean('after a run without leases');
  } finally {
    await front.close();
  }
});

test('a command probe, and a proxy the file declares: created for the run, deleted after it', async () => {
  const port = await unusedPort();
  const input: MatrixInput = {
    title: 'redis-cli',
    servers: [{ url: server.url, lease_ttl: '2s', proxies: [{ name: 'mx-run-created', listen: `127.0.0.1:${port}`, upstream: '127.0.0.1:6379' }] }],
    recovery: '3s',
    features: [{ name: 'Ping', probes: [{ command: { run: ['redis-cli', '-h', '127.0.0.1', '-p', String(port), 'ping'], stdout_matches: '^PONG', timeout: '3s' } }] }],
    dependencies: [{ name: 'Redis', proxy: 'mx-run-created' }],
    expect: { Redis: { Ping: 'Down' } },
  };
  const run = await runMatrix(checkMatrix(input));
  assert.equal(run.exitCode, 0, run.cells.map((c) => `${c.row}: ${c.outcome} ${c.reason}`).join('\n'));
  assert.equal(run.cells[0]?.observed, 'Down');
  assert.equal(run.cells[0]?.recovered, true);
  assert.equal((await server.client.proxies())['mx-run-created'], undefined, 'the proxy the run created is deleted');
});
