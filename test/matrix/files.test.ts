import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MatrixFileError, matrixJsonSchema, parseMatrix, runMatrix } from '../../src/matrix/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { BIN } from '../helpers/binary.js';
import { startTestServer } from '../helpers/server.js';

/** Bad matrix files: every problem with its path, exit status 2, and nothing applied to any server. */
let server: RunningServer;
let dir: string;

before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'faultline-matrix-files-'));
  await server.client.populate([
    { name: 'mx-files-redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' },
    { name: 'mx-files-mysql', listen: '127.0.0.1:0', upstream: '127.0.0.1:3306' },
  ]);
});
after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const good = (url = 'http://127.0.0.1:8474') => `title: Shop
servers: [{ url: "${url}" }]
features:
  - name: Checkout
    probes: [{ http: { url: "http://127.0.0.1:9/checkout", status: 201 } }]
  - name: Signups
    probes: [{ http: { url: "http://127.0.0.1:9/signup" } }]
dependencies:
  - { name: Redis, proxy: mx-files-redis }
  - { name: MySQL, proxy: mx-files-mysql }
expect:
  Redis: { Checkout: Down, Signups: Up }
  MySQL: { Checkout: Down, Signups: Down }
`;

function problems(text: string): string[] {
  try {
    parseMatrix(text, 'm.yaml', {});
  } catch (err) {
    assert.ok(err instanceof MatrixFileError, String(err));
    assert.equal(err.file, 'm.yaml');
    return [...err.problems];
  }
  assert.fail('expected the file to be rejected');
}

test('a good file parses, with defaults filled in', () => {
  const m = parseMatrix(good(), 'm.yaml', {});
  assert.equal(m.repeat, 1);
  assert.equal(m.recovery, 5000);
  assert.deepEqual(m.dependencies[0]?.failures, ['down']);
});

test('a state outside Up/Degraded/Down is named by its path', () => {
  assert.deepEqual(problems(good().replace('Redis: { Checkout: Down', 'Redis: { Checkout: Sideways')), ['expect.Redis.Checkout: expected Up, Degraded or Down, got "Sideways"']);
  assert.deepEqual(problems(good().replace('Signups: Up }', 'Signups: up }')), ['expect.Redis.Signups: expected Up, Degraded or Down, got "up"']);
});

test('a missing expectation, a missing row and unknown names in expect are each named', () => {
  assert.deepEqual(problems(good().replace('Redis: { Checkout: Down, Signups: Up }', 'Redis: { Checkout: Down }')), ['expect.Redis.Signups: expected Up, Degraded or Down for this cell, got nothing']);
  assert.deepEqual(problems(good().replace('  MySQL: { Checkout: Down, Signups: Down }\n', '')), ['expect.MySQL: expected the states of row "MySQL" (Checkout, Signups), got nothing']);
  assert.deepEqual(problems(good().replace('Signups: Down }', 'Signups: Down, Search: Up }')), ['expect.MySQL.Search: expected one of the features (Checkout, Signups), got "Search"']);
  assert.deepEqual(problems(`${good()}  Memcached: { Checkout: Up, Signups: Up }\n`), ['expect.Memcached: expected one of the rows (Redis, MySQL), got "Memcached"']);
});

test('failure modes, markers and references are checked with paths', () => {
  const withFailures = (f: string) => good().replace('{ name: Redis, proxy: mx-files-redis }', `{ name: Redis, proxy: mx-files-redis, failures: ${f} }`);
  assert.deepEqual(problems(withFailures('[{ latency: 1s, timeout: 1s }]')), ['dependencies[0].failures[0]: expected exactly one of down, latency, timeout, toxic, got latency and timeout']);
  assert.deepEqual(problems(withFailures('[{ latency: fast }]')), ['dependencies[0].failures[0].latency: expected a duration such as 500ms, 10s, 1.5m or 1h, got "fast"']);
  assert.deepEqual(problems(withFailures('[down, { name: slow, latency: 1s }]')), ['expect.Redis down: expected the states of row "Redis down" (Checkout, Signups), got nothing', 'expect.Redis slow: expected the states of row "Redis slow" (Checkout, Signups), got nothing', 'expect.Redis: expected one of the rows (Redis down, Redis slow, MySQL), got "Redis"']);
  assert.deepEqual(problems(good().replace('{ name: Redis, proxy: mx-files-redis }', '{ name: Redis }')), ['dependencies[0]: expected exactly one of proxy, proxies']);
  assert.deepEqual(problems(good().replace('{ name: Redis, proxy: mx-files-redis }', '{ name: Redis, server: other, proxy: mx-files-redis }')), ['dependencies[0].server: expected one of the servers (default), got "other"']);
  assert.deepEqual(problems(good().replace('status: 201 } }]', 'status: 201 }, degraded: { status: 203 } }]')), [
    "features[0].probes[0].degraded.status: 203 fails the probe's own status check (201), so it would be Down, never Degraded; add it to http.status",
  ]);
  assert.deepEqual(problems(good().replace('status: 201 } }]', 'status: 201 }, degraded: { body_matches: "(" } }]')), ['features[0].probes[0].degraded.body_matches: expected a regular expression: Invalid regular expression: /(/: Unterminated group, got "("']);
  assert.deepEqual(problems(good().replace('title: Shop', 'title: Shop\nrepeat: 0')), ['repeat: expected at least 1, got 0']);
  assert.match(problems('title: [unclosed')[0] ?? '', /^line 1, column \d+: expected YAML or JSON/);
});

test('an unknown proxy is rejected before anything is applied (exit status 2, its path named)', async () => {
  const m = parseMatrix(good(server.url).replace('proxy: mx-files-mysql', 'proxy: mx-files-nosuch'), 'm.yaml', {});
  const run = await runMatrix(m);
  assert.equal(run.exitCode, 2);
  assert.match(run.error ?? '', /has no proxy "mx-files-nosuch" \(used in dependencies\[1\]\.proxy\)/);
  assert.deepEqual(run.cells, []);
  const proxies = await server.client.proxies();
  for (const name of ['mx-files-redis', 'mx-files-mysql']) {
    assert.equal(proxies[name]?.enabled, true);
    assert.deepEqual(proxies[name]?.toxics, []);
  }
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('the CLI exits 2 for a bad file, an unknown proxy and an unknown --only name, and applies nothing', async () => {
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, good(server.url).replace('Checkout: Down, Signups: Up', 'Checkout: Broken, Signups: Up'));
  let r = await cli(['matrix', 'run', bad]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /bad matrix file\n.*bad\.yaml: expect\.Redis\.Checkout: expected Up, Degraded or Down, got "Broken"/);
  const unknown = join(dir, 'unknown.yaml');
  await writeFile(unknown, good(server.url).replace('proxy: mx-files-redis', 'proxy: mx-files-gone'));
  r = await cli(['matrix', 'run', unknown]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /has no proxy "mx-files-gone" \(used in dependencies\[0\]\.proxy\)/);
  const ok = join(dir, 'ok.yaml');
  await writeFile(ok, good(server.url));
  r = await cli(['matrix', 'run', ok, '--only', 'Memcached']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--only: no row, dependency or feature named "Memcached"; there are Redis, MySQL, Checkout, Signups/);
  r = await cli(['matrix', 'validate', ok]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /valid matrix "Shop": 2 row\(s\) × 2 feature\(s\)/);
  const proxies = await server.client.proxies();
  assert.ok(Object.values(proxies).every((p) => p.enabled && p.toxics.length === 0));
});

test('schema/matrix.schema.json is the schema the code declares (npm run schema regenerates it)', async () => {
  const file = fileURLToPath(new URL('../../../schema/matrix.schema.json', import.meta.url));
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), JSON.parse(JSON.stringify(matrixJsonSchema())));
});
