import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/** The helpers are run by the real Vitest and Jest, on suites written as a user would. */
const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

function run(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, FAULTLINE_URL: '', TOXIPROXY_URL: '', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c));
  child.stderr.on('data', (c: Buffer) => (output += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

const vitest = [root('node_modules/vitest/vitest.mjs'), 'run'];
const jest = ['--experimental-vm-modules', root('node_modules/jest/bin/jest.js')];

test('Vitest: faultline/vitest starts a server, declares proxies and resets between tests', async () => {
  const { code, output } = await run(vitest, root('test/fixtures/vitest'));
  assert.equal(code, 0, output);
  assert.match(output, /Tests\s+2 passed \(2\)/);
});

test('Jest: faultline/jest does the same with Jest globals', async () => {
  const { code, output } = await run(jest, root('test/fixtures/jest'));
  assert.equal(code, 0, output);
  assert.match(output, /Tests:\s+2 passed, 2 total/);
});

test('both fail with a clear message when FAULTLINE_URL names a server that is not there', async () => {
  const env = { FAULTLINE_URL: 'http://127.0.0.1:9' };
  for (const [args, dir] of [
    [vitest, 'test/fixtures/vitest'],
    [jest, 'test/fixtures/jest'],
  ] as const) {
    const { code, output } = await run([...args], root(dir), env);
    assert.notEqual(code, 0);
    assert.match(output, /no server reachable at http:\/\/127\.0\.0\.1:9/);
  }
});
