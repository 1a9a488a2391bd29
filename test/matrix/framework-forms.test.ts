import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * resiliencyMatrix(...) run by the real node:test, Vitest and Jest on the same four-cell matrix
 * (test/fixtures/matrix-app.mjs), written as a user's suite would be: one test per cell, and
 * exactly the cell whose expectation is wrong fails, with the observed state and the reason.
 */
const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

function run(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  // Without NODE_TEST_CONTEXT, which would make a nested node --test report to this runner instead of printing.
  const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...env, FAULTLINE_URL: '', TOXIPROXY_URL: '', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

const FAILURE = /Redis slow × Ping: Degraded \(expected Up\) — took \d+ ms, more than 150 ms \(fault: latency 300 ms on mx-form-\w+\)/;

test('node:test: faultline/matrix/node-test registers one test per cell', async () => {
  const { code, output } = await run(['--test', '--test-reporter=tap', 'matrix.test.mjs'], root('test/fixtures/matrix-node'));
  assert.equal(code, 1, output);
  for (const name of ['ok 1 - Redis down × Ping is Down', 'ok 2 - Redis down × Static is Up', 'not ok 3 - Redis slow × Ping is Up', 'ok 4 - Redis slow × Static is Up']) assert.ok(output.includes(name), `${name}\n${output}`);
  assert.match(output, FAILURE);
  assert.match(output, /# pass 3\n# fail 1/);
});

test('Vitest: faultline/matrix/vitest does the same', async () => {
  const { code, output } = await run([root('node_modules/vitest/vitest.mjs'), 'run'], root('test/fixtures/matrix-vitest'));
  assert.equal(code, 1, output);
  assert.match(output, /× resiliency matrix: Ping app > Redis slow × Ping is Up/);
  assert.match(output, FAILURE);
  assert.match(output, /Tests\s+1 failed \| 3 passed \(4\)/);
});

test('Jest: faultline/matrix/jest does the same with Jest globals', async () => {
  const { code, output } = await run(['--experimental-vm-modules', root('node_modules/jest/bin/jest.js')], root('test/fixtures/matrix-jest'));
  assert.equal(code, 1, output);
  assert.match(output, /✕ Redis slow × Ping is Up/);
  assert.match(output, FAILURE);
  assert.match(output, /Tests:\s+1 failed, 3 passed, 4 total/);
});
