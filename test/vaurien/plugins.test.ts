/**
 * Toxic plugins: the example `slow_first` loaded through startServer({toxics}), a config
 * file's `plugins:`, the CLI's --plugin (compiled .js and .ts source through esbuild) and a
 * Vaurien ini's `callable =`, then used like a built-in through the API, the CLI, the typed
 * client, the config schema and a mix. Broken plugins stop the start naming the file.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The plugin entry's z, by URL: the temporary plugins below sit outside any node_modules. */
const ENTRY = new URL('../../src/plugin.js', import.meta.url).href;
import { configJsonSchema } from '../../src/api/config.js';
import { TOXIC_TYPES } from '../../src/api/toxic-types.js';
import { Faultline } from '../../src/client/index.js';
import { toxicTypesHelp } from '../../src/cli/toxic-flags.js';
import { definePlugin, defineToxic, pluginToxic, z } from '../../src/plugin.js';
import { startServer } from '../../src/server/index.js';
import slowFirst from '../../examples/plugins/slow-first.js';
import { BIN, serveBinary } from '../helpers/binary.js';
import { httpRequest, startHttpUpstream, type HttpUpstream } from '../helpers/http.js';
import { api, createProxy } from '../helpers/server.js';
import { cli } from '../cli/cli-run.js';
import { Agent } from 'node:http';
import { connectTo, readBytes, startUpstream } from '../helpers/sockets.js';

const JS = fileURLToPath(new URL('../../examples/plugins/slow-first.js', import.meta.url));
const TS = fileURLToPath(new URL('../../../examples/plugins/slow-first.ts', import.meta.url));

let up: HttpUpstream;
let dir: string;
const children: ChildProcess[] = [];

before(async () => {
  up = await startHttpUpstream();
  dir = await mkdtemp(join(tmpdir(), 'faultline-plugins-'));
});
after(async () => {
  for (const child of children) child.kill('SIGTERM');
  await up.close();
  await rm(dir, { recursive: true, force: true });
});

/** Times (ms) of sequential requests on one keep-alive connection. */
async function timings(port: number, n: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const answer = await httpRequest(port, { path: `/p${i}`, agent });
      assert.equal(answer.status, 200);
      out.push(performance.now() - t0);
    }
  } finally {
    agent.destroy();
  }
  return out;
}

test('startServer({toxics}): the plugin is a toxic type like a built-in', async () => {
  const server = await startServer({ port: 0, seed: 1, toxics: [slowFirst] });
  try {
    assert.ok(TOXIC_TYPES.includes('slow_first' as never));
    const { port } = await createProxy(server, 'plug-http', up.port, { protocol: 'http' });
    // Create through the API, with validation by the plugin's own schema.
    const bad = await api(server, 'POST', '/proxies/plug-http/toxics', { type: 'slow_first', attributes: { ms: -1 } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /attributes\.ms: expected a whole number from 0/);
    const misspelt = await api(server, 'POST', '/proxies/plug-http/toxics', { type: 'slow_first', attributes: { msec: 1 } });
    assert.match(misspelt.json.error, /attributes\.msec: slow_first has no such attribute; valid attributes: ms, requests, method/);
    const created = await api(server, 'POST', '/proxies/plug-http/toxics', { type: 'slow_first', attributes: { ms: 400 } });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.json.attributes, { ms: 400, requests: 1 });
    const listed = await api(server, 'GET', '/proxies/plug-http/toxics?explain=true');
    assert.equal(listed.json[0].explanation, 'holds the first request of each connection 400 ms');
    const [first, second] = await timings(port, 2);
    assert.ok((first as number) >= 390, `first request took ${first} ms`);
    assert.ok((second as number) < 300, `second request took ${second} ms`);
    // A tcp proxy refuses it, as it does every request-level toxic.
    await createProxy(server, 'plug-tcp', up.port);
    const tcp = await api(server, 'POST', '/proxies/plug-tcp/toxics', { type: 'slow_first' });
    assert.equal(tcp.status, 400);
    // The typed client's generic call, attributes checked against the plugin's schema.
    const client = new Faultline(server.url);
    const proxy = await client.proxy('plug-http');
    await proxy.withToxic(pluginToxic(slowFirst, { name: 'typed', attributes: { ms: 5, requests: 2 } }), async (toxic) => {
      assert.equal(toxic.type, 'slow_first');
      assert.deepEqual(toxic.attributes, { ms: 5, requests: 2 });
    });
    // GET /toxic-types lists it beside the built-ins, with its defaults and JSON Schema.
    const types = await client.toxicTypes();
    const described = types.find((t) => t.type === 'slow_first');
    assert.deepEqual({ ...described, schema: undefined, explanation: undefined }, { type: 'slow_first', level: 'request', plugin: true, required: ['ms'], defaults: { ms: 500, requests: 1 }, schema: undefined, explanation: undefined });
    assert.match(described?.explanation ?? '', /500 ms/);
    assert.equal((described?.schema as { properties: Record<string, { default?: number }> }).properties.ms?.default, 500);
    assert.deepEqual(types.find((t) => t.type === 'mix')?.plugin, false);
    assert.equal(types[0]?.type, 'noop');
    // The same plugin again (a second server in this process) is not a clash.
    const again = await startServer({ port: 0, toxics: [slowFirst] });
    await again.close();
  } finally {
    await server.close();
  }
  // The CLI's -t help and the config file's JSON Schema list it.
  assert.match(toxicTypesHelp(), /slow_first\s+ms\s+how long to hold each of the first requests \(ms\) \[default 500\]/);
  assert.match(JSON.stringify(configJsonSchema()), /"const":"slow_first"/);
});

test("a config file's plugins: are loaded relative to the file before its proxies", async () => {
  const config = join(dir, 'faultline.yaml');
  await writeFile(
    config,
    `plugins:
  - ${relative(dir, JS)}
proxies:
  - name: cfg-http
    listen: 127.0.0.1:0
    upstream: 127.0.0.1:${up.port}
    protocol: http
    toxics:
      - type: slow_first
        attributes: { ms: 300 }
`,
  );
  const server = await startServer({ port: 0, config });
  try {
    const proxy = await api(server, 'GET', '/proxies/cfg-http');
    const [first] = await timings(Number(String(proxy.json.listen).split(':').pop()), 1);
    assert.ok((first as number) >= 290, `first request took ${first} ms`);
  } finally {
    await server.close();
  }
  const broken = join(dir, 'broken.yaml');
  await writeFile(broken, 'plugins: [./nowhere.js]\nproxies: []\n');
  await assert.rejects(startServer({ port: 0, config: broken }), (err: Error) => {
    assert.match(err.message, /broken\.yaml: plugins\[0\] \.\/nowhere\.js: cannot load plugin: no such file/);
    return true;
  });
});

test('--plugin on the command line: server, toxic add and its help, --print-schema, and a .ts source through esbuild', async () => {
  const server = await serveBinary(['server', '--port', '0', '--plugin', JS]);
  children.push(server.child);
  const url = server.url;
  const created = await cli(['create', 'cli-http', '-l', '127.0.0.1:0', '-u', `127.0.0.1:${up.port}`, '--protocol', 'http', '--host', url]);
  assert.equal(created.code, 0, created.stderr);
  const added = await cli(['toxic', 'add', 'cli-http', '--plugin', JS, '-t', 'slow_first', '-a', 'ms=250', '--host', url]);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /Added downstream slow_first toxic 'slow_first_downstream' on proxy 'cli-http'/);
  // Without --plugin, this CLI process does not know the type.
  const unknown = await cli(['toxic', 'add', 'cli-http', '-t', 'slow_first', '--host', url]);
  assert.equal(unknown.code, 1);
  const help = await cli(['toxic', 'add', '--help', '--plugin', JS]);
  assert.match(help.stdout, /slow_first\s+ms/);
  server.child.kill('SIGTERM');

  const schema = await cli(['server', '--print-schema', '--plugin', TS]);
  assert.equal(schema.code, 0, schema.stderr);
  assert.match(schema.stdout, /"const": "slow_first"/);
});

test('a Vaurien ini loads a behaviour plugin with callable = and mixes it by name', async () => {
  const ini = join(dir, 'callable.ini');
  await writeFile(ini, `[vaurien]\nproxy = 127.0.0.1:0\nbackend = 127.0.0.1:${up.port}\nprotocol = http\nbehavior = 100:slow_first\n\n[behavior:slow_first]\ncallable = ${relative(dir, JS)}\n`);
  const child = spawn(process.execPath, [BIN, 'vaurien', '--api-port', '0', '--config', ini, '--http', '--http-host', '127.0.0.1', '--http-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  const { port, control } = await new Promise<{ port: number; control: string }>((resolve, reject) => {
    let port = 0;
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
      const listen = /"msg":"Vaurien proxy started"/.test(stderr) ? /"listen":"[^"]*:(\d+)"/.exec(stderr) : null;
      if (listen !== null) port = Number(listen[1]);
      const url = /"url":"(http:[^"]+)","msg":"Vaurien control API listening"/.exec(stderr);
      if (port > 0 && url !== null) resolve({ port, control: url[1] as string });
    });
    child.on('close', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  const [first, second] = await timings(port, 2);
  assert.ok((first as number) >= 450, `first request took ${first} ms (the plugin's default 500)`);
  assert.ok((second as number) < 400, `second request took ${second} ms`);
  const behaviors = (await (await fetch(`${control}/behaviors`)).json()) as { behaviors: string[] };
  assert.ok(behaviors.behaviors.includes('slow_first'));
  child.kill('SIGTERM');
});

test('a plugin that fails to load, clashes or is invalid stops the start naming the file', async () => {
  const clash = join(dir, 'clash.mjs');
  await writeFile(clash, `export default { name: 'latency', definition: { level: 'stream', attributes: { shape: {}, safeParse: () => ({ success: true, data: {} }) }, required: [], explain: () => 'x' }, implementation: { create() {} } };\n`);
  const noExplain = join(dir, 'no-explain.mjs');
  await writeFile(noExplain, `import { z } from '${ENTRY}';\nexport default { name: 'quiet', definition: { level: 'request', attributes: z.object({}), required: [] }, implementation: { act: () => null } };\n`);
  const noDefault = join(dir, 'no-default.mjs');
  await writeFile(noDefault, `import { z } from '${ENTRY}';\nexport default { name: 'needy', definition: { level: 'request', attributes: z.object({ n: z.number() }), required: ['n'], explain: () => 'x' }, implementation: { act: () => null } };\n`);
  const syntax = join(dir, 'syntax.mjs');
  await writeFile(syntax, 'export default {\n');
  const wrongLevel = join(dir, 'wrong-level.mjs');
  await writeFile(wrongLevel, `import { z } from '${ENTRY}';\nexport default { name: 'oops', definition: { level: 'request', attributes: z.object({}), required: [], explain: () => 'x' }, implementation: { create() {} } };\n`);
  for (const [file, pattern] of [
    [clash, /clash\.mjs: latency: clashes with the built-in toxic type of that name/],
    [noExplain, /no-explain\.mjs: quiet: definition\.explain: expected a function/],
    [noDefault, /no-default\.mjs: needy: definition\.attributes\.n: every attribute needs a default or must be optional/],
    [syntax, /syntax\.mjs: cannot load plugin: /],
    [wrongLevel, /wrong-level\.mjs: oops: implementation\.act: a request-level toxic needs act/],
    [join(dir, 'missing.js'), /missing\.js: cannot load plugin: no such file/],
  ] as const) {
    const result = await cli(['server', '--port', '0', '--plugin', file]);
    assert.equal(result.code, 1, `${file}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  }
  await assert.rejects(startServer({ port: 0, toxics: [{ name: 'Bad Name' } as never] }), /startServer\(\{toxics\}\): name: expected a toxic type name/);
});

test('a plugin that throws while acting resets that connection, not the server', async () => {
  const thrower = definePlugin({
    name: 'thrower',
    definition: defineToxic({ level: 'request', attributes: z.object({}), required: [], explain: () => 'throws' }),
    implementation: {
      act: () => {
        throw new Error('plugin bug');
      },
    },
  });
  const server = await startServer({ port: 0, toxics: [thrower] });
  try {
    const { port } = await createProxy(server, 'throws-http', up.port, { protocol: 'http' });
    await api(server, 'POST', '/proxies/throws-http/toxics', { type: 'thrower', name: 't' });
    await assert.rejects(httpRequest(port, { path: '/t', timeoutMs: 5000 }), /ECONNRESET|socket hang up/);
    await api(server, 'DELETE', '/proxies/throws-http/toxics/t');
    assert.equal((await httpRequest(port, { path: '/t' })).status, 200);
  } finally {
    await server.close();
  }
});

test('a byte-level plugin runs as a stage on a tcp proxy', async () => {
  const upper = definePlugin({
    name: 'upper_ascii',
    definition: defineToxic({ level: 'stream', attributes: z.object({}), required: [], explain: () => 'upper-cases ASCII letters' }),
    implementation: {
      highWaterMark: 1 << 20,
      create: (_a, ctx) => ({
        onData: (chunk: Buffer, at: number) => ctx.push(Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1'), at),
        onEnd: () => ctx.end(),
        flush: () => {},
        dispose: () => {},
      }),
    },
  });
  const echo = await startUpstream();
  const server = await startServer({ port: 0, toxics: [upper] });
  try {
    const { port } = await createProxy(server, 'upper-tcp', echo.port);
    const added = await api(server, 'POST', '/proxies/upper-tcp/toxics', { type: 'upper_ascii', stream: 'downstream' });
    assert.equal(added.status, 200, added.text);
    const socket = await connectTo(port);
    socket.write('hello, plugin');
    assert.equal((await readBytes(socket, 13)).toString(), 'HELLO, PLUGIN');
    socket.destroy();
  } finally {
    await server.close();
    await echo.close();
  }
});
