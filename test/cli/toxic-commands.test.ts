import assert from 'node:assert/strict';
import { REQUEST_MATCH_KEYS } from '../../src/api/request-match.js';
import { after, before, beforeEach, test } from 'node:test';
import { attributeNames, TOXIC_TYPES, toxicAttributeSchemas } from '../../src/api/toxic-types.js';
import type { RunningServer } from '../../src/server/index.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { cli, fails, ok } from './cli-run.js';

let server: RunningServer;

before(async () => {
  server = await startTestServer();
});
after(() => server.close());
beforeEach(async () => {
  await api(server, 'DELETE', '/proxies/redis');
  await createProxy(server, 'redis', 6379);
});

async function toxics(): Promise<any[]> {
  return (await api(server, 'GET', '/proxies/redis/toxics')).json;
}

async function toxic(name: string): Promise<any> {
  return (await api(server, 'GET', `/proxies/redis/toxics/${name}`)).json;
}

test('toxic add: downstream by default, named <type>_<stream>, toxicity 1', async () => {
  const stdout = await ok(server.url, ['toxic', 'add', 'redis', '-t', 'latency', '-a', 'latency=1000', '-a', 'jitter=50']);
  assert.equal(stdout, "Added downstream latency toxic 'latency_downstream' on proxy 'redis'\n");
  assert.deepEqual(await toxics(), [
    { attributes: { latency: 1000, jitter: 50 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 },
  ]);
});

test('toxic add: --upstream, --toxicName, --toxicity and the t a alias', async () => {
  const stdout = await ok(server.url, ['t', 'a', 'redis', '--type', 'timeout', '-u', '-n', 'hang', '--toxicity', '0.25', '--attribute', 'timeout=0']);
  assert.equal(stdout, "Added upstream timeout toxic 'hang' on proxy 'redis'\n");
  assert.deepEqual(await toxic('hang'), { attributes: { timeout: 0 }, name: 'hang', type: 'timeout', stream: 'upstream', toxicity: 0.25 });
  await ok(server.url, ['toxic', 'add', 'redis', '-t', 'noop', '-d', '--tox', '0.75']);
  assert.equal((await toxic('noop_downstream')).toxicity, 0.75, "toxiproxy-cli's --tox spelling");
});

test('toxic add --json prints the toxic as the server created it', async () => {
  const json = JSON.parse(await ok(server.url, ['toxic', 'add', 'redis', '-t', 'slicer', '-a', 'average_size=10', '-a', 'delay=5', '--json']));
  assert.deepEqual(json, await toxic('slicer_downstream'));
  assert.deepEqual(json.attributes, { average_size: 10, size_variation: 0, delay: 5 });
});

test('toxic add: attribute names are matched as the server matches them, and sent canonically', async () => {
  await ok(server.url, ['toxic', 'add', 'redis', '-t', 'bandwidth', '-a', 'RATE=42']);
  assert.deepEqual((await toxic('bandwidth_downstream')).attributes, { rate: 42 });
});

test('toxic add: bad input is refused before anything reaches the server', async () => {
  const cases: [string[], RegExp][] = [
    [['-t', 'latency', '-a', 'latency=abc'], /^faultline: invalid value for attribute latency: "abc" is not a whole number$/],
    [['-t', 'latency', '-a', 'latency=1.5'], /^faultline: invalid value for attribute latency: "1\.5" is not a whole number$/],
    [['-t', 'latency', '-a', 'latency=-5'], /^faultline: invalid value for attribute latency: -5: expected a whole number of milliseconds from 0 to 2147483647$/],
    [['-t', 'latency', '-a', 'latency'], /^faultline: invalid --attribute "latency": expected key=value/],
    [['-t', 'latency', '-a', 'rate=5'], /^faultline: latency toxic has no attribute "rate"; valid attributes: latency, jitter$/],
    [['-t', 'noop', '-a', 'rate=5'], /^faultline: noop toxic has no attribute "rate"; it takes no attributes$/],
    [['-t', 'latancy'], /^faultline: unknown toxic type "latancy"; expected one of noop, latency, bandwidth/],
    [['-t', 'latency', '--toxicity', '1.5'], /^faultline: invalid --toxicity "1\.5": expected a number from 0 to 1$/],
    [['-t', 'latency', '--toxicity', '-0.1'], /^faultline: invalid --toxicity "-0\.1": expected a number from 0 to 1$/],
    [['-t', 'latency', '--toxicity', 'half'], /^faultline: invalid --toxicity "half"/],
    [['-t', 'latency', '-u', '-d'], /^faultline: give either --upstream or --downstream, not both$/],
  ];
  for (const [flags, message] of cases) {
    assert.match(await fails(server.url, ['toxic', 'add', 'redis', ...flags]), message, flags.join(' '));
  }
  // Refused before the server is asked: even an unknown proxy is not reported.
  assert.match(await fails(server.url, ['toxic', 'add', 'nope', '-t', 'latency', '-a', 'latency=x']), /not a whole number/);
  assert.deepEqual(await toxics(), []);
});

test('toxic add: server refusals are its own one-line messages', async () => {
  assert.equal(await fails(server.url, ['toxic', 'add', 'nope', '-t', 'latency', '-a', 'latency=1']), 'faultline: proxy not found: nope');
  await addToxic(server, 'redis', { type: 'latency', attributes: { latency: 1 } });
  assert.equal(await fails(server.url, ['toxic', 'add', 'redis', '-t', 'latency', '-a', 'latency=2']), 'faultline: toxic already exists');
  assert.equal((await toxic('latency_downstream')).attributes.latency, 1);
  const missing = await cli(['toxic', 'add', 'redis', '--host', server.url]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /required option '-t, --type <type>' not specified/);
});

test('toxic update without --toxicity keeps the toxicity (toxiproxy-cli would reset it to 1)', async () => {
  await addToxic(server, 'redis', { type: 'latency', toxicity: 0.5, attributes: { latency: 100, jitter: 10 } });
  const stdout = await ok(server.url, ['toxic', 'update', 'redis', '-n', 'latency_downstream', '-a', 'latency=250']);
  assert.equal(stdout, "Updated toxic 'latency_downstream' on proxy 'redis'\n");
  assert.deepEqual(await toxic('latency_downstream'), {
    attributes: { latency: 250, jitter: 10 },
    name: 'latency_downstream',
    type: 'latency',
    stream: 'downstream',
    toxicity: 0.5,
  });
});

test('toxic update: --toxicity alone, the t u alias and --json', async () => {
  await addToxic(server, 'redis', { type: 'latency', toxicity: 0.5, attributes: { latency: 100 } });
  await ok(server.url, ['t', 'u', 'redis', '--toxicName', 'latency_downstream', '--toxicity', '0.125']);
  let now = await toxic('latency_downstream');
  assert.equal(now.toxicity, 0.125);
  assert.equal(now.attributes.latency, 100);
  const json = JSON.parse(await ok(server.url, ['toxic', 'update', 'redis', '-n', 'latency_downstream', '-a', 'jitter=7', '--json']));
  now = await toxic('latency_downstream');
  assert.deepEqual(json, now);
  assert.deepEqual(now.attributes, { latency: 100, jitter: 7 });
  assert.equal(now.toxicity, 0.125);
});

test('toxic update: errors', async () => {
  await addToxic(server, 'redis', { type: 'latency', toxicity: 0.5, attributes: { latency: 100 } });
  const cases: [string[], RegExp][] = [
    [['nope', '-n', 'latency_downstream', '-a', 'latency=1'], /^faultline: proxy not found: nope$/],
    [['redis', '-n', 'nope', '-a', 'latency=1'], /^faultline: toxic not found: nope \(proxy redis\)$/],
    [['redis', '-n', 'latency_downstream', '-a', 'rate=1'], /^faultline: latency toxic has no attribute "rate"; valid attributes: latency, jitter$/],
    [['redis', '-n', 'latency_downstream', '-a', 'latency=fast'], /^faultline: invalid value for attribute latency: "fast" is not a whole number$/],
    [['redis', '-n', 'latency_downstream', '--toxicity', '2'], /^faultline: invalid --toxicity "2": expected a number from 0 to 1$/],
    [['redis', '-n', 'latency_downstream'], /^faultline: nothing to update: give --toxicity and\/or -a key=value$/],
  ];
  for (const [args, message] of cases) {
    assert.match(await fails(server.url, ['toxic', 'update', ...args]), message, args.join(' '));
  }
  const missing = await cli(['toxic', 'update', 'redis', '-a', 'latency=1', '--host', server.url]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /required option '-n, --toxicName <name>' not specified/);
  assert.deepEqual((await toxic('latency_downstream')).attributes, { latency: 100, jitter: 0 });
  assert.equal((await toxic('latency_downstream')).toxicity, 0.5);
});

test('toxic remove and its aliases r, delete, d; --json shows what was removed', async () => {
  for (const alias of ['remove', 'r', 'delete', 'd']) {
    await addToxic(server, 'redis', { type: 'noop', name: 'n1' });
    assert.equal(await ok(server.url, ['toxic', alias, 'redis', '-n', 'n1']), "Removed toxic 'n1' on proxy 'redis'\n", alias);
    assert.deepEqual(await toxics(), []);
  }
  const added = await addToxic(server, 'redis', { type: 'latency', attributes: { latency: 5 } });
  assert.deepEqual(JSON.parse(await ok(server.url, ['t', 'd', 'redis', '-n', 'latency_downstream', '--json'])), added);
  assert.deepEqual(await toxics(), []);
  assert.equal(await fails(server.url, ['toxic', 'remove', 'redis', '-n', 'latency_downstream']), 'faultline: toxic not found: latency_downstream (proxy redis)');
  assert.equal(await fails(server.url, ['toxic', 'remove', 'nope', '-n', 'x']), 'faultline: proxy not found: nope');
});

test("toxic add --help lists every type's attributes with the schema's descriptions", async () => {
  const { code, stdout } = await cli(['toxic', 'add', '--help']);
  assert.equal(code, 0);
  const lines = stdout.split('\n');
  for (const type of TOXIC_TYPES) {
    const shape = toxicAttributeSchemas[type].shape as Record<string, { description?: string }>;
    const start = lines.findIndex((l) => new RegExp(`^  ${type}\\s`).test(l));
    assert.ok(start >= 0, `type ${type} listed`);
    // Request-level toxics share their matching attributes, listed once after them.
    const own = attributeNames(type).filter((n) => !(REQUEST_MATCH_KEYS as string[]).includes(n));
    if (own.length === 0) assert.match(lines[start] ?? '', /no attributes/);
    own.forEach((name, i) => {
      const line = lines[start + i] ?? '';
      const description = shape[name]?.description ?? '';
      assert.ok(description !== '', `${type}.${name} has a description in the schema`);
      assert.ok(line.includes(` ${name} `) && line.includes(description), `${type}.${name}: ${line}`);
    });
  }
  const shared = lines.findIndex((l) => l.startsWith('Every request-level toxic also takes'));
  assert.ok(shared > 0);
  REQUEST_MATCH_KEYS.forEach((name, i) => assert.match(lines[shared + 1 + i] ?? '', new RegExp(`^\\s+${name}\\s`)));
  assert.match(stdout, /Examples:\n {2}faultline toxic add /);
  for (const help of [['toxic', '--help'], ['toxic', 'update', '--help'], ['toxic', 'remove', '--help']]) {
    const result = await cli(help);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Examples:\n {2}faultline /, help.join(' '));
  }
});
