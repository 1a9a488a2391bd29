import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ExperimentFileError, experimentJsonSchema, parseExperiment } from '../../src/experiments/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { BIN } from '../helpers/binary.js';

let server: RunningServer;
let dir: string;

before(async () => {
  server = await startServer({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'faultline-exp-files-'));
});
after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const good = (url: string): string => `
title: ok
servers:
  - url: ${url}
    proxies:
      - name: made-by-experiment
        upstream: 127.0.0.1:9
method:
  - at: 0s
    for: 1s
    fault: {proxy: made-by-experiment, type: latency, attributes: {latency: 100}}
`;

function problems(text: string): string[] {
  try {
    parseExperiment(text, 'exp.yaml', {});
  } catch (err) {
    assert.ok(err instanceof ExperimentFileError, String(err));
    return err.message.split('\n');
  }
  assert.fail('expected the file to be refused');
}

test('each mistake is reported with the file, the path and what was expected', () => {
  const base = good('http://127.0.0.1:1');
  assert.deepEqual(problems(base.replace('title: ok\n', '')), ['exp.yaml: title: expected a title, got nothing']);
  assert.deepEqual(problems(base.replace('for: 1s', 'for: 1 sec')), ['exp.yaml: method[0].for: expected a duration such as 500ms, 10s, 1.5m or 1h, got "1 sec"']);
  assert.deepEqual(problems(base.replace('type: latency,', 'type: latency, strem: up,')), ['exp.yaml: method[0].fault: unknown key "strem"'.replace('fault:', 'fault.strem:')]);
  assert.deepEqual(problems(`${base}thresholds: ["p99 >> 1s"]\n`), ['exp.yaml: thresholds[0]: in threshold "p99 >> 1s" at character 6: expected a number, found ">", got "p99 >> 1s"']);
  assert.deepEqual(problems(`${base}steady_state: {probes: [{name: x, http: {url: 'ftp://x'}}]}\n`), ['exp.yaml: steady_state.probes[0].http.url: expected an http:// or https:// URL, got "ftp://x"']);
  assert.deepEqual(problems(`${base}steady_state: {probes: [{name: x}]}\n`), ['exp.yaml: steady_state.probes[0]: expected a probe to have exactly one of http, tcp, command, prometheus, faultline']);
  assert.deepEqual(problems(base.replace('    for: 1s\n', '')), ['exp.yaml: method[0].for: expected how long the fault lasts (for: 10s), or a top-level duration']);
  assert.deepEqual(problems(base.replace('fault: {proxy', 'fault: {server: other, proxy')), ['exp.yaml: method[0].fault.server: expected one of the servers (default), got "other"']);
  assert.deepEqual(problems('title: [unclosed\n'), ['exp.yaml: line 2, column 1: expected YAML or JSON: Flow sequence in block collection must be sufficiently indented and end with a ]']);
  assert.deepEqual(problems(base.replace('http://127.0.0.1:1', '${FAULTLINE_URL}')), ['exp.yaml: line 4: expected variable FAULTLINE_URL to be set (used as ${FAULTLINE_URL}; write ${FAULTLINE_URL:-default} for a default)']);
  // Several mistakes: all of them, one per line.
  assert.equal(problems(base.replace('title: ok\n', '').replace('for: 1s', 'for: soon')).length, 2);
  // Attributes are any JSON: the request-level toxics take strings and objects.
  assert.doesNotThrow(() => parseExperiment(base.replace('{latency: 100}', '{status: 503, body: "down", headers: {retry-after: "1"}}'), 'exp.yaml', {}));
});

test('bad files and unreachable servers exit 2 and apply nothing to any server', async () => {
  const before = JSON.stringify(await server.client.proxies());
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, good(server.url).replace('type: latency,', 'type: latency, toxicity: 2,'));
  const r = await run(['experiment', 'run', bad, '--out', join(dir, 'out')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.yaml: method\[0\]\.fault\.toxicity: expected a number from 0 to 1, got 2/);
  assert.equal(r.stdout, '');

  const missing = join(dir, 'missing-proxy.yaml');
  await writeFile(missing, good(server.url).replace('method:\n  - at: 0s', 'method:\n  - at: 0s\n    name: x').replace('fault: {proxy: made-by-experiment', 'fault: {proxy: nowhere'));
  const m = await run(['experiment', 'run', missing, '--out', join(dir, 'out')]);
  assert.equal(m.code, 2, m.stdout + m.stderr);
  assert.match(m.stderr, /has no proxy "nowhere"/);

  const unreachable = join(dir, 'unreachable.yaml');
  await writeFile(unreachable, good('http://127.0.0.1:1'));
  const u = await run(['experiment', 'run', unreachable, '--out', join(dir, 'out')]);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /cannot reach server at http:\/\/127\.0\.0\.1:1/);

  const absent = await run(['experiment', 'validate', join(dir, 'nope.yaml')]);
  assert.equal(absent.code, 2);
  assert.match(absent.stderr, /nope\.yaml: cannot be read: ENOENT/);

  assert.equal(JSON.stringify(await server.client.proxies()), before, 'nothing created or changed on the server');
});

test('the JSON Schema comes from the same definitions and describes the file', async () => {
  const schema = experimentJsonSchema() as { properties: Record<string, unknown>; required: string[] };
  assert.deepEqual([...schema.required].sort(), ['servers', 'title']);
  for (const key of ['steady_state', 'load', 'method', 'thresholds', 'rollbacks', 'duration']) assert.ok(key in schema.properties, key);
  const r = await run(['experiment', 'schema']);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.stdout), schema);
});
