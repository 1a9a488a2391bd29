import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, test } from 'node:test';
import { configJsonSchema } from '../../src/api/config.js';
import { TOXIC_TYPES } from '../../src/api/toxic-types.js';
import { ConfigError, startServer } from '../../src/server/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-config-'));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function expectConfigError(name: string, text: string, message: RegExp): Promise<void> {
  const path = await file(name, text);
  await assert.rejects(startServer({ port: 0, config: path }), (err: Error) => {
    assert.ok(err instanceof ConfigError, `${err.name}: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

test('YAML: proxies with their toxics, in the API shape', async () => {
  const config = await file(
    'proxies.yaml',
    `# yaml-language-server: $schema=../schema/config.schema.json
proxies:
  - name: redis
    listen: 127.0.0.1:0
    upstream: 127.0.0.1:6379
    toxics:
      - type: latency
        attributes: { latency: 100, jitter: 10 }
      - name: cut
        type: bandwidth
        stream: upstream
        toxicity: 0.5
        attributes: { rate: 0 }
  - name: pg
    upstream: 127.0.0.1:5432
    enabled: false
`,
  );
  const server = await startServer({ port: 0, config });
  try {
    const all = await server.client.proxies();
    assert.deepEqual(Object.keys(all), ['pg', 'redis']);
    assert.equal(all.pg?.enabled, false);
    assert.equal(all.pg?.listen, '', 'a disabled proxy reports its listen as given');
    const toxics = all.redis?.toxics ?? [];
    assert.deepEqual(
      toxics.map((t) => [t.name, t.type, t.stream, t.toxicity, t.attributes]),
      [
        ['cut', 'bandwidth', 'upstream', 0.5, { rate: 0 }],
        ['latency_downstream', 'latency', 'downstream', 1, { latency: 100, jitter: 10 }],
      ],
    );
  } finally {
    await server.close();
  }
});

test("JSON, as an object or as Toxiproxy's plain array", async () => {
  const asObject = await file('object.json', JSON.stringify({ proxies: [{ name: 'a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1', toxics: [{ type: 'timeout', attributes: { timeout: 50 } }] }] }));
  const asArray = await file('toxiproxy.json', JSON.stringify([{ name: 'b', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' }]));
  for (const [config, name] of [
    [asObject, 'a'],
    [asArray, 'b'],
  ] as const) {
    const server = await startServer({ port: 0, config });
    try {
      assert.deepEqual(Object.keys(await server.client.proxies()), [name]);
    } finally {
      await server.close();
    }
  }
});

test('every error names the file, the place in the document and what was expected', async () => {
  await expectConfigError('missing.yaml', 'proxies: [', /^invalid config .*missing\.yaml:1:\d+: not valid YAML: /);
  await expectConfigError('bad.json', '{"proxies": [}', /^invalid config .*bad\.json: not valid JSON: /);
  await expectConfigError('top.yaml', 'proxy: []', /^invalid config .*top\.yaml: the document: unknown key "proxy"/);
  await expectConfigError(
    'type.yaml',
    'proxies:\n  - {name: a, upstream: "127.0.0.1:1", toxics: [{type: latency}, {type: lag}]}\n',
    /^invalid config .*type\.yaml: proxies\[0\]\.toxics\[1\]\.type: expected a toxic with "type" one of noop, latency, .*limit_data, .*got the string "lag"$/,
  );
  await expectConfigError(
    'value.yaml',
    'proxies:\n  - name: a\n    upstream: 127.0.0.1:1\n    toxics:\n      - type: latency\n        attributes:\n          latency: fast\n',
    /^invalid config .*value\.yaml: proxies\[0\]\.toxics\[0\]\.attributes\.latency: expected a whole number of milliseconds from 0 to 2147483647, got the string "fast"$/,
  );
  await expectConfigError(
    'typo.yaml',
    'proxies:\n  - name: a\n    upstream: 127.0.0.1:1\n    toxics: [{type: latency, attributes: {latancy: 5}}]\n',
    /proxies\[0\]\.toxics\[0\]\.attributes: unknown key "latancy"/,
  );
  await expectConfigError('toxicity.json', JSON.stringify({ proxies: [{ name: 'a', upstream: 'h:1', toxics: [{ type: 'noop', toxicity: 2 }] }] }), /proxies\[0\]\.toxics\[0\]\.toxicity: expected a number from 0 to 1, got number 2/);
  await expectConfigError('upstream.json', JSON.stringify([{ name: 'a' }]), /^invalid config .*upstream\.json: \[0\]\.upstream: expected "host:port"$/);
  await expectConfigError('twice.yaml', 'proxies:\n  - {name: a, upstream: "h:1"}\n  - {name: a, upstream: "h:2"}\n', /proxies\[1\]\.name: proxy "a" is declared twice/);
  await expectConfigError(
    'toxic-twice.yaml',
    'proxies:\n  - {name: a, upstream: "h:1", toxics: [{type: noop}, {type: noop, stream: downstream}]}\n',
    /proxies\[0\]\.toxics\[1\]: toxic "noop_downstream" is declared twice on proxy "a"/,
  );
  await assert.rejects(startServer({ port: 0, config: join(dir, 'nope.yaml') }), /^ConfigError: cannot read config .*nope\.yaml: no such file$|cannot read config .*nope\.yaml: no such file/);
});

test('a proxy that cannot bind stops the start, naming the proxy and the bind error', async () => {
  const first = await startServer({ port: 0, proxies: [{ name: 'squat', listen: '127.0.0.1:0', upstream: 'h:1' }] });
  try {
    const taken = (await first.client.proxy('squat')).listen;
    const config = await file('taken.yaml', `proxies:\n  - {name: clash, listen: "${taken}", upstream: "h:1"}\n`);
    await assert.rejects(startServer({ port: 0, config }), /cannot apply config .*taken\.yaml: proxy "clash": listen tcp 127\.0\.0\.1:\d+: bind: address already in use/);
  } finally {
    await first.close();
  }
});

test('schema/config.schema.json is the schema the server validates with (run `npm run schema` after changing it)', async () => {
  const committed = JSON.parse(await readFile(fileURLToPath(new URL('../../../schema/config.schema.json', import.meta.url)), 'utf8'));
  assert.equal(committed.properties.proxies.items.properties.toxics.items.oneOf.length, TOXIC_TYPES.length, 'one branch per toxic type');
  assert.deepEqual(committed, configJsonSchema());
});
