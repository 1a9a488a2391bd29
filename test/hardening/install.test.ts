/**
 * faultline installs and runs outside this repository: packed with `npm pack` and installed into
 * a fresh project (the library, the `faultline` command, the embedded server), and built as a
 * single executable that runs with no Node on the PATH.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectTo, roundTrip, startUpstream, type TestUpstream } from '../helpers/sockets.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let scratch: string;
let echo: TestUpstream;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'faultline-install-'));
  echo = await startUpstream();
});
after(async () => {
  await echo.close();
  await rm(scratch, { recursive: true, force: true });
});

test('npm pack, then npm install of the tarball into a new project: CLI, library and embedded server work', async () => {
  // dist/ is built by `npm test`'s pretest; --ignore-scripts keeps pack from building it again.
  await run(npm, ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: root });
  const tarball = (await readdir(scratch)).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball !== undefined, 'npm pack wrote a tarball');
  const app = join(scratch, 'app');
  await run('mkdir', [app]);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  // The cache answers when it can (it holds these dependencies after `npm ci`); the registry otherwise.
  await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(scratch, tarball)], { cwd: app, timeout: 120_000 });

  const version = await run(join(app, 'node_modules', '.bin', 'faultline'), ['--version'], { cwd: app });
  assert.match(version.stdout, /^faultline version \d+\.\d+\.\d+ \(Toxiproxy API 2\.12\.0\)\n$/);
  const script = `
    import { Faultline } from 'faultline';
    import { startServer } from 'faultline/server';
    const server = await startServer({ port: 0, proxies: [{ name: 'echo', listen: '127.0.0.1:0', upstream: '127.0.0.1:${echo.port}' }] });
    const client = new Faultline(server.url);
    const proxy = await client.proxy('echo');
    await proxy.addToxic({ type: 'latency', attributes: { latency: 1 } });
    console.log(JSON.stringify({ listen: proxy.listen, toxics: (await client.proxy('echo')).toxics.length }));
    await server.close();
  `;
  await writeFile(join(app, 'check.mjs'), script);
  const out = await run(process.execPath, ['check.mjs'], { cwd: app });
  const result = JSON.parse(out.stdout) as { listen: string; toxics: number };
  assert.match(result.listen, /^127\.0\.0\.1:\d+$/);
  assert.equal(result.toxics, 1);
});

test('the single executable runs the server and the CLI with no node on the PATH', async () => {
  const out = join(scratch, 'sea');
  await run(process.execPath, [join(root, 'dist', 'scripts', 'build-sea.js'), out], { cwd: root, timeout: 120_000 });
  const exe = join(out, 'faultline');
  const env = { PATH: '/nonexistent', HOME: scratch };
  await assert.rejects(run('node', ['--version'], { env }), 'no node on this PATH');

  const server = spawn(exe, ['server', '--port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    let logs = '';
    const url = await new Promise<string>((resolve, reject) => {
      server.stderr.on('data', (c: Buffer) => {
        logs += c;
        const m = /"url":"(http:[^"]+)"/.exec(logs);
        if (m !== null) resolve(m[1] as string);
      });
      server.once('close', (code) => reject(new Error(`exited ${code}: ${logs}`)));
    });
    const cli = (...args: string[]) => run(exe, ['--host', url, ...args], { env });
    assert.equal((await cli('create', 'echo', '-l', '127.0.0.1:0', '-u', `127.0.0.1:${echo.port}`)).stdout, 'Created new proxy echo\n');
    await cli('toxic', 'add', 'echo', '-t', 'latency', '-a', 'latency=20');
    const listen = JSON.parse((await cli('inspect', 'echo', '--json')).stdout).listen as string;
    const socket = await connectTo(Number(listen.slice(listen.lastIndexOf(':') + 1)));
    const ms = await roundTrip(socket, 'through the executable');
    socket.destroy();
    assert.ok(ms >= 15, `the latency toxic applies (${ms} ms)`);
  } finally {
    server.kill('SIGTERM');
  }
});
