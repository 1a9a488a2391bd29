/**
 * The `faultline` command users run is the bundle in dist/src/bin/ (scripts/build-bin.ts), not
 * the compiled modules the other CLI tests run. What bundling could break is tested here: the
 * files found beside the modules (the dashboard's, the latency waker's thread), the chunks
 * loaded on first use (zod, the data plane, prom-client), and plugins, whose zod must be the
 * server's; and the modules' zod, which `npm run build` replaces with the package in one file.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { api } from '../helpers/server.js';
import { connectTo, readBytes, startUpstream, type TestUpstream } from '../helpers/sockets.js';

const run = promisify(execFile);
const BUNDLE = fileURLToPath(new URL('../../src/bin/faultline.js', import.meta.url));
const MODULES = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PLUGIN = fileURLToPath(new URL('../../examples/plugins/slow-first.js', import.meta.url));

let echo: TestUpstream;
let server: ChildProcess | undefined;

before(async () => {
  echo = await startUpstream();
});
after(async () => {
  server?.kill('SIGTERM');
  await echo.close();
});

/** The bundle's server with the example plugin; resolves with its URL once it logs it. */
function serve(): Promise<string> {
  const child = spawn(process.execPath, [BUNDLE, 'server', '--port', '0', '--plugin', PLUGIN], { stdio: ['ignore', 'ignore', 'pipe'] });
  server = child;
  let logs = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      logs += c;
      const m = /"url":"(http:[^"]+)"/.exec(logs);
      if (m !== null) resolve(m[1] as string);
    });
    child.once('close', (code) => reject(new Error(`exited ${code}: ${logs}`)));
  });
}

const cli = (url: string, ...args: string[]) => run(process.execPath, [BUNDLE, '--host', url, ...args]);

/** Threads of a process, from /proc (Linux): the waker adds one when it starts. */
function threads(pid: number): Promise<number> {
  return run('cat', [`/proc/${pid}/status`]).then(({ stdout }) => Number(/^Threads:\s+(\d+)/m.exec(stdout)?.[1]));
}

test('the bundle is built from the current modules', () => {
  const bundled = statSync(BUNDLE, { throwIfNoEntry: false });
  assert.ok(bundled !== undefined, 'dist/src/bin/faultline.js is missing: run npm run build (or node dist/scripts/build-bin.js after tsc)');
  assert.ok(
    bundled.mtimeMs >= statSync(MODULES).mtimeMs,
    'dist/src/bin/ is older than dist/src/cli/main.js: run npm run build (or node dist/scripts/build-bin.js after tsc)',
  );
});

test('the bundled server and CLI: a plugin with its zod, a latency toxic on its waker thread, the dashboard, metrics', async () => {
  const url = await serve();
  const pid = server?.pid as number;
  assert.match((await run(process.execPath, [BUNDLE, '--version'])).stdout, /^faultline version \S+ \(Toxiproxy API 2\.12\.0\)\n$/);

  assert.equal((await cli(url, 'create', 'echo', '-l', '127.0.0.1:0', '-u', `127.0.0.1:${echo.port}`)).stdout, 'Created new proxy echo\n');
  const before = await threads(pid);
  await cli(url, 'toxic', 'add', 'echo', '-t', 'latency', '-a', 'latency=40');
  const listen = (await api({ url }, 'GET', '/proxies/echo')).json.listen as string;
  const socket = await connectTo(Number(listen.split(':')[1]));
  const t0 = performance.now();
  socket.write('ping');
  await readBytes(socket, 4);
  const took = performance.now() - t0;
  socket.destroy();
  assert.ok(took >= 39, `the latency toxic held the data (${took.toFixed(1)} ms)`);
  assert.equal(await threads(pid), before + 1, "the waker's thread started from dist/src/bin/waker-thread.js");
  const inspected = await cli(url, 'inspect', 'echo');
  assert.match(inspected.stdout, /^latency_downstream\ttype=latency\tstream=downstream\ttoxicity=1\.00\tattributes=\[\tjitter=0\tlatency=40\t\]\n$/);

  // The plugin's schema is zod from the package; the server validates and describes it with the same zod.
  const types = (await api({ url }, 'GET', '/toxic-types')).json as { type: string; plugin: boolean; schema: { properties?: object } }[];
  const plugin = types.find((t) => t.type === 'slow_first');
  assert.ok(plugin?.plugin === true && plugin.schema.properties !== undefined && 'ms' in plugin.schema.properties, JSON.stringify(plugin));
  assert.equal((await api({ url }, 'POST', '/proxies', { name: 'web', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}`, protocol: 'http' })).status, 201);
  const bad = await api({ url }, 'POST', '/proxies/web/toxics', { type: 'slow_first', attributes: { ms: -1 } });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /attributes\.ms: expected a whole number from 0/);
  assert.equal((await api({ url }, 'POST', '/proxies/web/toxics', { type: 'slow_first', attributes: { ms: 5 } })).status, 200);

  const page = await fetch(`${url}/ui/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /faultline-secret/);
  assert.equal((await fetch(`${url}/ui/app.js`)).status, 200, 'the dashboard is found beside the modules');
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /^toxiproxy_proxy_received_bytes_total\{direction="upstream",proxy="echo"/m);
  assert.match(metrics, /^process_cpu_seconds_total [1-9]|^process_cpu_seconds_total 0\.\d*[1-9]/m);
});

test("the modules' zod is the package in one file, and plugins get that module", async () => {
  const zod = fileURLToPath(new URL('../../src/api/zod.js', import.meta.url));
  const text = await run('head', ['-c', '4000', zod]).then((r) => r.stdout);
  assert.doesNotMatch(text, /from ['"]zod['"]/, 'dist/src/api/zod.js is still tsc\'s re-export: run npm run build (scripts/build-zod.ts)');
  const plugin = await import('../../src/plugin.js');
  const own = await import('../../src/api/zod.js');
  assert.equal(plugin.z, own.z, "faultline/plugin's z is the modules' zod");
});

test("the modules' zod carries English only, and loads any other locale when a plugin asks for it", async () => {
  const zodPath = fileURLToPath(new URL('../../src/api/zod.js', import.meta.url));
  const text = await readFile(zodPath, 'utf8');
  assert.doesNotMatch(text, /Ungültige Eingabe/, 'the German messages are not in the bundle');
  const own = await import('../../src/api/zod.js');
  const pkg = await import('zod');
  assert.deepEqual(Object.keys(own.locales).sort(), Object.keys(pkg.locales).sort(), 'every locale name is still there');
  assert.equal(own.string().safeParse(1).error?.issues[0]?.message, 'Invalid input: expected string, received number');
  try {
    own.config(own.locales.de());
    assert.equal(own.string().safeParse(1).error?.issues[0]?.message, 'Ungültige Eingabe: erwartet string, erhalten Zahl');
  } finally {
    own.config(own.locales.en());
  }
  assert.equal(own.string().safeParse(1).error?.issues[0]?.message, 'Invalid input: expected string, received number');
});
