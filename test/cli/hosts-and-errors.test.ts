import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { normaliseArgs } from '../../src/cli/toxiproxy-args.js';
import type { RunningServer } from '../../src/server/index.js';
import { api, createProxy, startTestServer } from '../helpers/server.js';
import { serveBinary } from '../helpers/binary.js';
import { unusedPort } from '../helpers/sockets.js';
import { cli } from './cli-run.js';

let a: RunningServer;
let b: RunningServer;
let deadUrl: string;

before(async () => {
  [a, b] = await Promise.all([startTestServer(), startTestServer()]);
  await createProxy(a, 'on_a', 1);
  await createProxy(b, 'on_b', 1);
  deadUrl = `http://127.0.0.1:${await unusedPort()}`;
});
after(() => Promise.all([a.close(), b.close()]));

const firstColumn = (stdout: string): string[] => stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0] as string);

test('--host works before the command, after it, and in toxiproxy-cli\'s Go spelling -host', async () => {
  for (const args of [['--host', a.url, 'list'], ['list', '--host', a.url], ['-host', a.url, 'ls'], [`--host=${a.url}`, 'l']]) {
    const { code, stdout, stderr } = await cli(args);
    assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
    assert.deepEqual(firstColumn(stdout), ['on_a'], args.join(' '));
  }
  const bare = await cli(['list', '--host', a.url.replace('http://', '')]);
  assert.deepEqual(firstColumn(bare.stdout), ['on_a'], 'host:port without a scheme');
});

test('--host wins over FAULTLINE_URL, which wins over TOXIPROXY_URL', async () => {
  const both = { FAULTLINE_URL: a.url, TOXIPROXY_URL: b.url };
  assert.deepEqual(firstColumn((await cli(['list'], { env: both })).stdout), ['on_a']);
  assert.deepEqual(firstColumn((await cli(['list'], { env: { TOXIPROXY_URL: b.url } })).stdout), ['on_b']);
  assert.deepEqual(firstColumn((await cli(['list', '--host', b.url], { env: both })).stdout), ['on_b']);
  assert.deepEqual(firstColumn((await cli(['--host', b.url, 'list'], { env: both })).stdout), ['on_b']);
  assert.deepEqual(firstColumn((await cli(['list'], { env: { FAULTLINE_URL: '', TOXIPROXY_URL: b.url } })).stdout), ['on_b'], 'empty means unset');
});

test('without --host or environment, the server is http://127.0.0.1:8474', async (t) => {
  const probe = connect(8474, '127.0.0.1');
  const taken = await new Promise<boolean>((resolve) => {
    probe.once('connect', () => resolve(true));
    probe.once('error', () => resolve(false));
  });
  probe.destroy();
  if (taken) return t.skip('something listens on 8474 here');
  const { code, stderr } = await cli(['list']);
  assert.equal(code, 1);
  assert.match(stderr, /^faultline: cannot reach server at http:\/\/127\.0\.0\.1:8474: .*ECONNREFUSED/);
});

test('every command reports an unreachable server in one line and exits 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-cli-down-'));
  const file = join(dir, 'p.json');
  await writeFile(file, JSON.stringify([{ name: 'x', upstream: '127.0.0.1:1' }]));
  const commands = [
    ['list'],
    ['inspect', 'x'],
    ['create', 'x', '-l', '127.0.0.1:0', '-u', '127.0.0.1:1'],
    ['toggle', 'x'],
    ['delete', 'x'],
    ['toxic', 'add', 'x', '-t', 'latency', '-a', 'latency=1'],
    ['toxic', 'update', 'x', '-n', 'y', '--toxicity', '0.5'],
    ['toxic', 'remove', 'x', '-n', 'y'],
    ['reset'],
    ['populate', file],
    ['list', '--json'],
  ];
  const results = await Promise.all(commands.map((args) => cli([...args, '--host', deadUrl])));
  results.forEach(({ code, stdout, stderr }, i) => {
    const name = commands[i]?.join(' ');
    assert.equal(code, 1, name);
    assert.equal(stdout, '', name);
    assert.match(stderr, new RegExp(`^faultline: cannot reach server at ${deadUrl}: .*ECONNREFUSED.*\\n$`), name);
  });
});

test('unknown commands and flags are commander errors with a non-zero exit; no stack traces', async () => {
  const cases: [string[], RegExp][] = [
    [['bogus'], /error: unknown command 'bogus'/],
    [['list', '--bogus'], /error: unknown option '--bogus'/],
    [['inspect'], /error: missing required argument 'proxy'/],
    [['inspect', 'a', 'b'], /error: too many arguments/],
    [['toxic', 'frobnicate', 'x'], /error: unknown command 'frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await cli([...args, '--host', a.url]);
    assert.notEqual(code, 0, args.join(' '));
    assert.match(stderr, message, args.join(' '));
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  }
});

test("toxiproxy-cli's -h URL is refused with a pointer to --host instead of printing help", async () => {
  const { code, stdout, stderr } = await cli(['-h', a.url, 'list']);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  assert.equal(stderr, `faultline: -h means --help in faultline; to name the server, write --host ${a.url}\n`);
  const help = await cli(['list', '-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: faultline list\|l \[options\]/);
});

test('every command has help with examples, and the program help lists them all', async () => {
  const commands = ['list', 'inspect', 'create', 'toggle', 'delete', 'toxic', 'reset', 'populate', 'server'];
  const results = await Promise.all(commands.map((name) => cli([name, '--help'])));
  results.forEach(({ code, stdout }, i) => {
    assert.equal(code, 0, commands[i]);
    assert.match(stdout, /Examples:\n {2}(FAULTLINE_URL=\S+ )?faultline /, commands[i]);
  });
  const top = await cli(['--help']);
  for (const name of commands) assert.match(top.stdout, new RegExp(`\\n  ${name}\\b`), name);
  assert.match(top.stdout, /--host <url>/);
});

test("the server command's own --host is still the address it binds", async () => {
  const { child, url } = await serveBinary(['server', '--host', '127.0.0.1', '--port', '0']);
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await cli(['--host', url, 'create', 'via_cli', '-l', '127.0.0.1:0', '-u', '127.0.0.1:1']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((await api({ url }, 'GET', '/proxies/via_cli')).status, 200);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'close');
  }
});

test('argument rewriting: flags before a command are global; bare flags still mean server', () => {
  const commands = new Set(['list', 'ls', 'toxic']);
  assert.deepEqual(normaliseArgs(['--host', 'http://x:1', 'list'], commands), ['--host', 'http://x:1', 'list']);
  assert.deepEqual(normaliseArgs(['-host', 'http://x:1', 'ls'], commands), ['--host', 'http://x:1', 'ls']);
  assert.deepEqual(normaliseArgs(['-host=http://x:1', '--json', 'toxic', 'add'], commands), ['--host=http://x:1', '--json', 'toxic', 'add']);
  assert.deepEqual(normaliseArgs(['-host', '0.0.0.0', '-port', '8474'], commands), ['server', '--host', '0.0.0.0', '--port', '8474']);
  assert.deepEqual(normaliseArgs(['-host=0.0.0.0', '-config', 'p.json'], commands), ['server', '--host=0.0.0.0', '--config', 'p.json']);
  assert.deepEqual(normaliseArgs(['server', '--host', '0.0.0.0'], commands), ['server', '--host', '0.0.0.0']);
});
