import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, serveBinary } from '../helpers/binary.js';
import { api } from '../helpers/server.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-cli-'));
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Exit> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const running: ChildProcess[] = [];
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

test('-version and --version print the version and exit 0', async () => {
  for (const flag of ['-version', '--version']) {
    const { code, stdout } = await run([flag]);
    assert.equal(code, 0);
    assert.match(stdout, /^faultline version \d+\.\d+\.\d+ \(Toxiproxy API 2\.12\.0\)\n$/);
  }
});

test('an API port that is taken is a startup failure, not a server without an API', async () => {
  const squatter = createServer();
  squatter.listen(0, '127.0.0.1');
  await once(squatter, 'listening');
  const port = (squatter.address() as AddressInfo).port;
  const { code, stderr } = await run(['server', '--port', String(port)]);
  squatter.close();
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`cannot start the API on 127\\.0\\.0\\.1:${port}: address already in use`));
});

test('bad flags are one clear line and exit 1', async () => {
  const cases: [string[], RegExp][] = [
    [['server', '--port', '99999'], /invalid --port "99999"/],
    [['-seed=abc'], /invalid seed "abc": expected an integer/],
    [['server', '--log-level', 'loud'], /invalid log level "loud"/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await run(args);
    assert.equal(code, 1, `${args.join(' ')} should fail`);
    assert.match(stderr, message);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace for a user error');
  }
});

test('config errors name the file and the entry, and the server does not start', async () => {
  const missing = join(dir, 'nope.json');
  let result = await run(['server', '--port', '0', '--config', missing]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /cannot read config .*nope\.json/);

  const broken = join(dir, 'broken.json');
  await writeFile(broken, '[{"name": "a",');
  result = await run(['server', '--port', '0', '--config', broken]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /invalid config .*broken\.json: not valid JSON/);

  const incomplete = join(dir, 'incomplete.json');
  await writeFile(incomplete, JSON.stringify([{ name: 'a', upstream: '127.0.0.1:1' }, { name: 'b' }]));
  result = await run(['server', '--port', '0', '--config', incomplete]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /invalid config .*incomplete\.json: \[1\]\.upstream: expected "host:port"/);

  const mistyped = join(dir, 'mistyped.json');
  await writeFile(mistyped, JSON.stringify([{ name: 'a', upstream: '127.0.0.1:1', listen: 5 }]));
  result = await run(['server', '--port', '0', '--config', mistyped]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /invalid config .*mistyped\.json: \[0\]\.listen: expected "host:port", got number 5/);
});

test("Toxiproxy's flags and config format start a working server; SIGTERM exits 0", async () => {
  const config = join(dir, 'proxies.json');
  await writeFile(
    config,
    JSON.stringify([
      { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' },
      { name: 'pg', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432', enabled: false },
    ]),
  );
  const server = await serveBinary(['-host=127.0.0.1', '-port', '0', '-config', config, '-seed=7', '-proxy-metrics']);
  running.push(server.child);
  const proxies = await api(server, 'GET', '/proxies');
  assert.deepEqual(Object.keys(proxies.json), ['pg', 'redis']);
  assert.equal(proxies.json.pg.enabled, false);
  assert.match(server.logs(), /"seed":7/);
  server.child.kill('SIGTERM');
  const [code] = await once(server.child, 'close');
  assert.equal(code, 0);
});
