import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { BIN } from '../../test/helpers/binary.js';
import { startBookinfo, type Bookinfo } from './services.js';

/**
 * The bookinfo experiments of issue 11, run through the CLI as a user would, with shortened
 * durations: ratings answers 503 for 3 s under load. With reviews' fallback the hypothesis
 * holds; without it the "more than 10 failed requests in a minute" threshold trips and the
 * experiment rolls back. A third run is killed with SIGKILL mid-fault: the lease on the server
 * removes the fault.
 */
const EXPERIMENT = fileURLToPath(new URL('../../../examples/bookinfo/ratings-503.yaml', import.meta.url));

let server: RunningServer;
let dir: string;
let experimentFile: string;

/** Whether the server knows the request-level `error` toxic (it is being built on main). */
before(async () => {
  server = await startServer({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'faultline-bookinfo-'));
  // The file runs as written: ratings is an http proxy and answers 503 through the error toxic.
  experimentFile = join(dir, 'ratings-503.yaml');
  await writeFile(experimentFile, await readFile(EXPERIMENT, 'utf8'));
});
after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function withBookinfo<T>(fallback: boolean, body: (app: Bookinfo) => Promise<T>): Promise<T> {
  const app = await startBookinfo({
    fallback,
    ratingsVia: async (ratingsPort) => {
      // As the experiment file declares it: an http proxy, which request-level toxics need.
      const proxy = await server.client.createProxy({ name: 'ratings', listen: '127.0.0.1:0', upstream: `127.0.0.1:${ratingsPort}`, protocol: 'http' });
      return `${proxy.host}:${proxy.port}`;
    },
  });
  try {
    return await body(app);
  } finally {
    await app.close();
    await (await server.client.proxy('ratings')).delete();
  }
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function env(app: Bookinfo, extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, FAULTLINE_URL: server.url, LANDING_URL: app.landing, DURATION: '6s', FAULT_AT: '2s', FAULT_FOR: '3s', RATE: '20', LEASE_TTL: '2s', ...extra };
}

function runCli(app: Bookinfo, out: string, extra: Record<string, string> = {}, onStdout?: (text: string, kill: () => void) => void): Promise<Run> {
  const child = spawn(process.execPath, [BIN, 'experiment', 'run', experimentFile, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'], env: env(app, extra) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c;
    onStdout?.(stdout, () => child.kill('SIGKILL'));
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

async function assertNoFault(): Promise<void> {
  const ratings = await server.client.proxy('ratings');
  assert.equal(ratings.enabled, true, 'ratings proxy left disabled');
  assert.deepEqual(ratings.toxics, [], 'toxics left on ratings');
}

test('with reviews falling back, the landing page holds while ratings fails: exit 0', async () => {
  await withBookinfo(true, async (app) => {
    const out = join(dir, 'fallback');
    const run = await runCli(app, out);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /hypothesis held/);
    const journal = JSON.parse(await readFile(join(out, 'journal.json'), 'utf8'));
    assert.equal(journal.status, 'completed');
    assert.equal(journal.deviated, false);
    assert.equal(journal.steady_states.before.steady_state_met, true);
    assert.equal(journal.steady_states.after.steady_state_met, true);
    assert.ok(journal.run.length >= 1);
    assert.ok(journal['x-faultline'].load.sent > 80, 'the load ran');
    assert.equal(journal['x-faultline'].load.failed, 0);
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    assert.doesNotMatch(junit, /<failure/);
    await assertNoFault();
  });
});

test('without the fallback the landing page fails, the threshold trips, it rolls back and recovers: exit 1', async () => {
  await withBookinfo(false, async (app) => {
    const out = join(dir, 'no-fallback');
    const run = await runCli(app, out);
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /threshold tripped: failed_requests > 10 over 1m/);
    const journal = JSON.parse(await readFile(join(out, 'journal.json'), 'utf8'));
    assert.equal(journal.status, 'failed');
    assert.equal(journal.deviated, true);
    assert.match(journal['x-faultline'].reason, /failed_requests > 10 over 1m/);
    // Aborted early: the method did not run its full 6 s.
    assert.ok(journal['x-faultline'].method_ms < 5500, `method ran ${journal['x-faultline'].method_ms} ms`);
    assert.ok(journal.rollbacks.length >= 1 && journal.rollbacks.every((r: { status: string }) => r.status === 'succeeded'));
    // The page recovered after rollback.
    assert.equal(journal.steady_states.after.steady_state_met, true);
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    assert.match(junit, /<testcase classname="[^"]+" name="threshold failed_requests &gt; 10 over 1m"[^>]*>\s*<failure/);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!127\.0\.0\.1)/);
    await assertNoFault();
    assert.equal((await fetch(`${app.landing}/`)).status, 200);
  });
});

test('a runner killed with SIGKILL mid-fault leaves nothing behind: the lease runs out', async () => {
  await withBookinfo(false, async (app) => {
    let killed = false;
    const run = await runCli(app, join(dir, 'killed'), { DURATION: '30s', FAULT_AT: '1s', FAULT_FOR: '20s', LEASE_TTL: '1s' }, (text, kill) => {
      if (!killed && /fault on:/.test(text)) {
        killed = true;
        kill();
      }
    });
    assert.equal(run.signal, 'SIGKILL', `${run.stdout}\n${run.stderr}`);
    // The fault is in place right after the kill …
    const ratings = await server.client.proxy('ratings');
    assert.ok(!ratings.enabled || ratings.toxics.length > 0, 'the fault should still be in place just after the kill');
    // … and gone once the 1 s lease expires.
    const deadline = performance.now() + 5000;
    for (;;) {
      try {
        await assertNoFault();
        break;
      } catch (err) {
        if (performance.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
});
