/**
 * The pipelined exchange under arbitrary segmentation (fast-check over random cut points, and
 * one byte at a time): through a `redis` or `memcached` proxy, the client receives exactly what
 * a direct connection receives — with an injected answer standing exactly where the reply it
 * replaces stood.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { RunningServer } from '../../src/server/index.js';
import { startMemcached, type Memcached } from '../helpers/memcached.js';
import { bytewise, converse, cut } from '../helpers/pipeline.js';
import { addToxic, createProxy, startTestServer } from '../helpers/server.js';

const REDIS = 6379;
const P = 'fl:kv:seg:';
let server: RunningServer;
let mc: Memcached;

before(async () => {
  server = await startTestServer();
  mc = await startMemcached();
});
after(async () => {
  await converse(REDIS, [Buffer.from(`DEL ${P}s ${P}n ${P}l ${P}big\r\n`)], { until: (b) => b.includes('\r\n') });
  await server.close();
  await mc.stop();
});

const resp = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
const big = 'x\r\n'.repeat(3000);

/** Starts from a clean slate each time, so every run gets the same replies. */
const REDIS_SCRIPT = Buffer.from(
  [
    resp('SET', `${P}s`, 'va\r\nlue'),
    `GET ${P}s\r\n`,
    '\r\n', // an empty inline line: no reply
    resp('ECHO', 'first echo'),
    resp('INCR', `${P}n`),
    `RPUSH ${P}l a "b c" 'd'\r\n`,
    resp('LRANGE', `${P}l`, '0', '-1'),
    resp('SET', `${P}big`, big),
    resp('STRLEN', `${P}big`),
    resp('MULTI'),
    resp('INCR', `${P}n`),
    resp('ECHO', 'second echo'),
    resp('EXEC'),
    resp('HSET', `${P}h`, 'f', '1'),
    resp('DEL', `${P}h`),
    resp('PING'),
  ].join(''),
);

const MEMCACHED_SCRIPT = Buffer.from(
  [
    `set ${P}a 5 0 6\r\nab\r\ncd\r\n`,
    `get ${P}a\r\n`,
    `add ${P}a 0 0 1\r\nz\r\n`,
    `append ${P}a 0 0 2\r\n!!\r\n`,
    `set ${P}n 0 0 2 noreply\r\n41\r\n`,
    `incr ${P}n 1\r\n`,
    `touch ${P}a 100\r\n`,
    `get ${P}a ${P}missing ${P}n\r\n`,
    `set ${P}big 0 0 ${big.length}\r\n${big}\r\n`,
    `get ${P}big\r\n`,
    `delete ${P}n\r\n`,
    `decr ${P}n 1\r\n`,
    `touch ${P}none 1\r\n`,
    'verbosity 1\r\n',
  ].join(''),
);

interface Case {
  name: string;
  upstream: () => number;
  protocol: string;
  script: Buffer;
  /** Sent before each run, on its own connection, so every run gets the same replies. */
  reset: () => Promise<unknown>;
  toxic: Record<string, unknown>;
  /** The direct connection's bytes as the client must see them through the toxic. */
  expect: (direct: string) => string;
  complete: (b: Buffer) => boolean;
}

const CASES: Case[] = [
  {
    name: 'redis',
    upstream: () => REDIS,
    protocol: 'redis',
    script: REDIS_SCRIPT,
    reset: () => converse(REDIS, [Buffer.from(resp('DEL', `${P}s`, `${P}n`, `${P}l`, `${P}big`))], { until: (b) => b.includes('\r\n') }),
    toxic: { type: 'error', attributes: { command: 'ECHO', message: 'LOADING Redis is loading the dataset in memory' } },
    expect: (direct) =>
      direct
        .replace('$10\r\nfirst echo\r\n', '-LOADING Redis is loading the dataset in memory\r\n')
        // Inside MULTI the answer replaces QUEUED, and EXEC runs the rest (docs/protocols.md).
        .replace(/\+QUEUED\r\n\*2\r\n(:\d+\r\n)\$11\r\nsecond echo\r\n/, '-LOADING Redis is loading the dataset in memory\r\n*1\r\n$1')
        .replace(/\+QUEUED\r\n\+QUEUED\r\n/, '+QUEUED\r\n'),
    complete: (b) => b.toString('latin1').endsWith('+PONG\r\n'),
  },
  {
    name: 'memcached',
    upstream: () => mc.port,
    protocol: 'memcached',
    script: MEMCACHED_SCRIPT,
    reset: () => converse(mc.port, [Buffer.from('flush_all\r\n')], { until: (b) => b.includes('\r\n') }),
    toxic: { type: 'error', attributes: { command: 'touch', key: `${P}a`, message: 'SERVER_ERROR out of memory' } },
    expect: (direct) => direct.replace('TOUCHED\r\n', 'SERVER_ERROR out of memory\r\n'),
    complete: (b) => b.toString('latin1').endsWith('OK\r\n'),
  },
];

for (const c of CASES) {
  test(`${c.name}: random cut points and one byte at a time give the direct connection's bytes, with the answer in place`, { timeout: 180_000 }, async () => {
    await c.reset();
    const direct = await converse(c.upstream(), [c.script], { until: c.complete });
    assert.ok(c.complete(direct.data), direct.data.toString('latin1'));
    const plain = await createProxy(server, `seg-${c.name}`, c.upstream(), { protocol: c.protocol });
    // A toxic that matches nothing: the exchange frames everything and changes nothing.
    await addToxic(server, `seg-${c.name}`, { type: 'error', attributes: { command: 'NOTHING' } });
    const faulted = await createProxy(server, `seg-${c.name}-f`, c.upstream(), { protocol: c.protocol });
    await addToxic(server, `seg-${c.name}-f`, c.toxic);
    const expected = c.expect(direct.data.toString('latin1'));
    assert.notEqual(expected, direct.data.toString('latin1'), 'the toxic matches a request in the script');

    await c.reset();
    const once = await converse(plain.port, bytewise(c.script), { until: c.complete });
    assert.equal(once.data.toString('latin1'), direct.data.toString('latin1'), 'one byte at a time');

    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: c.script.length - 1 }), { minLength: 1, maxLength: 12 }), async (points) => {
        const pieces = cut(c.script, points);
        await c.reset();
        const through = await converse(plain.port, pieces, { until: c.complete, gapMs: 2 });
        assert.equal(through.data.toString('latin1'), direct.data.toString('latin1'));
        await c.reset();
        const answered = await converse(faulted.port, pieces, { until: c.complete, gapMs: 2 });
        assert.equal(answered.data.toString('latin1'), expected);
      }),
      { numRuns: 25, seed: 10 },
    );
  });
}
