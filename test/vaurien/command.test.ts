/**
 * `faultline vaurien` as users run it: the built binary with Vaurien's flags and ini files,
 * a real node:http upstream on loopback, real HTTP requests through the proxy, and Vaurien's
 * control API called over real HTTP with the JSON shapes its Python client reads.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, serveBinary } from '../helpers/binary.js';
import { httpRequest, startHttpUpstream, type HttpUpstream } from '../helpers/http.js';
import { cli } from '../cli/cli-run.js';

let up: HttpUpstream;
let dir: string;
const children: ChildProcess[] = [];

before(async () => {
  up = await startHttpUpstream();
  dir = await mkdtemp(join(tmpdir(), 'faultline-vaurien-'));
});
after(async () => {
  for (const child of children) child.kill('SIGTERM');
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  /** Proxy name → bound port. */
  proxies: Map<string, number>;
  /** Proxy name → control API base URL. */
  controls: Map<string, string>;
  api: string;
  logs: () => string;
}

/** Starts `faultline vaurien …` and waits for its proxies and control APIs to be listening. */
function vaurien(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'vaurien', '--api-port', '0', '--seed', '7', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  const running: Running = { child, proxies: new Map(), controls: new Map(), api: '', logs: () => stderr };
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
      for (const line of stderr.split('\n')) {
        if (!line.startsWith('{')) continue;
        const log = JSON.parse(line) as { msg: string; proxy?: string; listen?: string; url?: string };
        if (log.msg === 'Vaurien proxy started' && log.proxy && log.listen) running.proxies.set(log.proxy, Number(log.listen.split(':').pop()));
        if (log.msg === 'Vaurien control API listening' && log.proxy && log.url) running.controls.set(log.proxy, log.url);
        if (log.msg === 'faultline API listening' && log.url) {
          running.api = log.url;
          resolve(running);
        }
      }
    });
    child.on('close', (code) => reject(new Error(`faultline vaurien exited ${code}: ${stderr}`)));
  });
}

async function json(url: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  return { status: res.status, body: await res.json() };
}

async function statuses(port: number, n: number): Promise<(number | 'closed')[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: (number | 'closed')[] = [];
  try {
    for (let i = 0; i < n; i++) {
      try {
        out.push((await httpRequest(port, { path: `/v${i}`, agent, timeoutMs: 10_000 })).status);
      } catch {
        out.push('closed');
      }
    }
  } finally {
    agent.destroy();
  }
  return out;
}

test('an ini file with [vaurien] and [behavior:NAME]: the command line wins over the file', async () => {
  const ini = join(dir, 'vaurien.ini');
  await writeFile(
    ini,
    `[vaurien]
backend = 127.0.0.1:${up.port}
proxy = 127.0.0.1:0
protocol = http
behavior = 100:dummy
timeout = 5

[behavior:error]
warmup = 3

[behavior:delay]
sleep = 5
`,
  );
  const v = await vaurien(['--config', ini, '--behavior', '100:error', '--behavior-error-warmup', '1']);
  const port = v.proxies.get('vaurien') as number;
  // warmup 1 from the command line, not 3 from the file; the error answers 503.
  assert.deepEqual(await statuses(port, 3), [200, 503, 503]);
  const toxics = await json(`${v.api}/proxies/vaurien/toxics`);
  assert.equal(toxics.body[0].type, 'mix');
  assert.equal(toxics.body[0].attributes.behaviors, '100:error');
  assert.equal(toxics.body[0].attributes.error_warmup, 1);
  assert.equal(toxics.body[0].attributes.delay_sleep, 5, 'the file still gives what the command line does not');
  assert.match(v.logs(), /vaurien\.ini:vaurien\.timeout is accepted and ignored/);
  v.child.kill('SIGTERM');
});

test("--http serves Vaurien's control API with its JSON shapes, backed by the proxy's mix toxic", async () => {
  const v = await vaurien([
    '--protocol', 'http', '--proxy', '127.0.0.1:0', '--backend', `127.0.0.1:${up.port}`,
    '--http', '--http-host', '127.0.0.1', '--http-port', '0', '--behavior-delay-sleep', '0.3',
  ]);
  const control = v.controls.get('vaurien') as string;
  const port = v.proxies.get('vaurien') as number;
  assert.deepEqual(await json(`${control}/behavior`), { status: 200, body: { behavior: 'dummy' } });
  assert.deepEqual(await json(`${control}/behaviors`), {
    status: 200,
    body: { behaviors: ['abort', 'blackout', 'delay', 'dummy', 'error', 'hang', 'transient'] },
  });
  assert.deepEqual(await json(`${control}/backend`), { status: 200, body: { backend: `127.0.0.1:${up.port}` } });

  // PUT /behavior {"name": "blackout"}: the next requests are cut before reaching the upstream.
  assert.deepEqual(await json(`${control}/behavior`, 'PUT', { name: 'blackout' }), { status: 200, body: { status: 'ok' } });
  assert.deepEqual(await json(`${control}/behavior`), { status: 200, body: { behavior: 'blackout' } });
  assert.deepEqual(await statuses(port, 2), ['closed', 'closed']);

  // Options beside the name, as vaurienclient's set_behavior('delay', sleep=…) sends them.
  assert.deepEqual((await json(`${control}/behavior`, 'PUT', { name: 'error', warmup: 1 })).body, { status: 'ok' });
  assert.deepEqual(await statuses(port, 2), [200, 503]);
  const mix = await json(`${v.api}/proxies/vaurien/toxics/vaurien`);
  assert.equal(mix.body.attributes.behaviors, '100:error');
  assert.equal(mix.body.attributes.error_warmup, 1);
  assert.equal(mix.body.attributes.delay_sleep, 0.3, '--behavior-delay-sleep reached the toxic');

  // A mix through the same route, which Vaurien's API could not do.
  assert.deepEqual((await json(`${control}/behavior`, 'PUT', { name: '50:delay,50:dummy', delay_sleep: 0.01 })).status, 200);
  assert.deepEqual(await json(`${control}/behavior`), { status: 200, body: { behavior: '50:delay,50:dummy' } });

  // The 400s, in Cornice's shape.
  assert.deepEqual(await json(`${control}/behavior`, 'PUT', { name: 'slow' }), {
    status: 400,
    body: { status: 'error', errors: [{ location: 'body', name: 'name', description: "the 'slow' behavior does not exist; valid behaviors: abort, blackout, delay, dummy, error, hang, transient" }] },
  });
  assert.deepEqual(await json(`${control}/behavior`, 'PUT', '{not json'), {
    status: 400,
    body: { status: 'error', errors: [{ location: 'body', name: '', description: 'the value is not a valid json object' }] },
  });
  assert.deepEqual(await json(`${control}/behavior`, 'PUT', { sleep: 1 }), {
    status: 400,
    body: { status: 'error', errors: [{ location: 'body', name: '', description: 'the value should contain a "name" key' }] },
  });
  const badOption = await json(`${control}/behavior`, 'PUT', { name: 'delay', slep: 1 });
  assert.equal(badOption.status, 400);
  assert.deepEqual(badOption.body.errors[0].name, 'slep');
  assert.match(badOption.body.errors[0].description, /behavior delay has no option "slep"; its options: sleep, before/);

  // PUT /backend re-points the proxy (faultline's upstream) for new connections.
  const other = await startHttpUpstream((_req, res) => res.end('other\n'));
  try {
    assert.deepEqual(await json(`${control}/behavior`, 'PUT', { name: 'dummy' }), { status: 200, body: { status: 'ok' } });
    assert.deepEqual(await json(`${control}/backend`, 'PUT', { backend: `127.0.0.1:${other.port}` }), { status: 200, body: { status: 'ok' } });
    assert.deepEqual(await json(`${control}/backend`), { status: 200, body: { backend: `127.0.0.1:${other.port}` } });
    const proxied = await json(`${v.api}/proxies/vaurien`);
    assert.equal(proxied.body.upstream, `127.0.0.1:${other.port}`);
    const answer = await httpRequest(port, { path: '/x' });
    assert.equal(answer.body, 'other\n');
  } finally {
    await other.close();
  }
  v.child.kill('SIGTERM');
});

test('one process serves several proxies: [vaurien:NAME] sections, each with its own control API', async () => {
  const ini = join(dir, 'many.ini');
  await writeFile(
    ini,
    `[vaurien]
proxy = 127.0.0.1:0
backend = 127.0.0.1:${up.port}
protocol = http
behavior = 100:error

[vaurien:cache]
proxy = 127.0.0.1:0
backend = 127.0.0.1:${up.port}
protocol = http
http_host = 127.0.0.1
http_port = 0
`,
  );
  const v = await vaurien(['--config', ini]);
  assert.deepEqual([...v.proxies.keys()].sort(), ['cache', 'vaurien']);
  assert.deepEqual(await statuses(v.proxies.get('vaurien') as number, 1), [503]);
  assert.deepEqual(await statuses(v.proxies.get('cache') as number, 1), [200]);
  const control = v.controls.get('cache') as string;
  assert.deepEqual((await json(`${control}/behavior`, 'PUT', { name: 'error' })).status, 200);
  assert.deepEqual(await statuses(v.proxies.get('cache') as number, 1), [503]);
  assert.equal(v.controls.has('vaurien'), false);
  v.child.kill('SIGTERM');
});

test('a tcp proxy maps behaviours onto byte-level toxics', async () => {
  const v = await vaurien([
    '--proxy', '127.0.0.1:0', '--backend', `127.0.0.1:${up.port}`, '--behavior', '100:blackout', '--protocol', 'smtp',
    '--http', '--http-host', '127.0.0.1', '--http-port', '0',
  ]);
  const toxics = await json(`${v.api}/proxies/vaurien/toxics`);
  assert.deepEqual(toxics.body.map((t: { type: string; toxicity: number }) => [t.type, t.toxicity]), [['timeout', 1]]);
  assert.deepEqual(await statuses(v.proxies.get('vaurien') as number, 1), ['closed']);
  assert.match(v.logs(), /smtp is forwarded as tcp/);
  // The control API swaps the byte-level toxics.
  const control = v.controls.get('vaurien') as string;
  assert.deepEqual((await json(`${control}/behavior`, 'PUT', { name: '50:delay,20:hang', delay_sleep: 0.2 })).status, 200);
  const swapped = await json(`${v.api}/proxies/vaurien/toxics`);
  assert.deepEqual(
    swapped.body.map((t: { type: string; toxicity: number; stream: string; attributes: object }) => [t.type, t.stream, t.toxicity, t.attributes]),
    [['latency', 'upstream', 0.5, { latency: 200, jitter: 0 }], ['timeout', 'upstream', 0.2, { timeout: 0 }]],
  );
  assert.deepEqual(await json(`${control}/behavior`), { status: 200, body: { behavior: '50:delay,20:hang' } });
  const transient = await json(`${control}/behavior`, 'PUT', { name: 'transient' });
  assert.equal(transient.status, 400);
  assert.match(transient.body.errors[0].description, /behavior transient counts requests and needs a framed protocol/);
  v.child.kill('SIGTERM');
});

test('bad flags and ini: exit 1 naming the flag or file:section.key', async () => {
  const bad = join(dir, 'bad.ini');
  await writeFile(bad, '[vaurien]\nbehavior = 20:delay,10:nope\n');
  const typo = join(dir, 'typo.ini');
  await writeFile(typo, '[vaurien]\nbakend = localhost:80\n');
  const badOption = join(dir, 'option.ini');
  await writeFile(badOption, '[behavior:delay]\nsleep = soon\n');
  const python = join(dir, 'python.ini');
  await writeFile(python, '[behavior:ldap]\ncallable = mypackage.behaviors.Ldap\n');
  for (const [args, pattern] of [
    [['--behavior', '20:delay,10:nope'], /^faultline: --behavior: unknown behavior "nope"; valid behaviors: abort, blackout, delay, dummy, error, hang, transient$/],
    [['--behavior', '60:delay,50:error'], /^faultline: --behavior: the behavior total needs to be 100 or less/],
    [['--protocol', 'ftp'], /^faultline: --protocol: unknown protocol "ftp"; valid protocols: tcp, http, redis, memcache, mysql, smtp$/],
    [['--behavior-delay-slep', '1'], /^faultline: --behavior-delay-slep: behavior delay has no option "slep"; its options: sleep, before$/],
    [['--behavior-slow-sleep', '1'], /^faultline: unknown option --behavior-slow-sleep: no behavior "slow"/],
    [['--behavior-delay-sleep', 'soon'], /^faultline: --behavior-delay-sleep: expected a number, got "soon"$/],
    [['--proxxy', 'localhost:1'], /^faultline: unknown option --proxxy/],
    [['--config', bad], new RegExp(`^faultline: ${bad}:vaurien\\.behavior: unknown behavior "nope"`)],
    [['--config', typo], new RegExp(`^faultline: ${typo}:vaurien\\.bakend: unknown setting; valid: proxy, backend`)],
    [['--config', badOption], new RegExp(`^faultline: ${badOption}:behavior:delay\\.sleep: expected a number, got "soon"$`)],
    [['--config', python], /looks like a Python class; faultline loads a JavaScript or TypeScript module/],
    [['--config', join(dir, 'missing.ini')], /^faultline: cannot read --config .*missing\.ini: no such file$/],
    [['--behavior', 'transient', '--protocol', 'tcp'], /behavior transient counts requests and needs a framed protocol/],
  ] as const) {
    const result = await cli(['vaurien', '--api-port', '0', ...args]);
    assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr.trim(), pattern, args.join(' '));
  }
});

test('faultline toxic add -t mix -a behaviors=20:delay,10:error -a delay_sleep=1, and its errors', async () => {
  const server = await serveBinary(['server', '--port', '0']);
  children.push(server.child);
  const url = server.url;
  assert.equal((await cli(['create', 'cli-mix', '-l', '127.0.0.1:0', '-u', `127.0.0.1:${up.port}`, '--protocol', 'http', '--host', url])).code, 0);
  const added = await cli(['toxic', 'add', 'cli-mix', '-t', 'mix', '-a', 'behaviors=20:delay,10:error', '-a', 'delay_sleep=1', '--host', url]);
  assert.equal(added.code, 0, added.stderr);
  const toxic = await json(`${url}/proxies/cli-mix/toxics/mix_downstream`);
  assert.equal(toxic.body.attributes.behaviors, '20:delay,10:error');
  assert.equal(toxic.body.attributes.delay_sleep, 1);
  const bad = await cli(['toxic', 'add', 'cli-mix', '-n', 'm2', '-t', 'mix', '-a', 'behaviors=20:delay,10:nope', '--host', url]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid value for attribute behaviors: "20:delay,10:nope": unknown behavior "nope"; valid behaviors: abort, blackout, delay, dummy, error, hang, transient/);
  server.child.kill('SIGTERM');
});
