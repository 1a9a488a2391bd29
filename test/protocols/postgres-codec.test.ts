/**
 * The postgres codec on sessions recorded between real drivers (pg, psql) and the real local
 * PostgreSQL: the requests it finds, the reply units, and that any segmentation of the same
 * bytes finds the same ones.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { createPostgresCodec } from '../../src/protocols/postgres/codec.js';
import { replay, type Replay } from '../helpers/codec-replay.js';
import { startRecordingRelay, type Recorded } from '../helpers/recording-relay.js';
import { sleep } from '../helpers/sockets.js';

const run = promisify(execFile);
let relay: Awaited<ReturnType<typeof startRecordingRelay>>;
before(async () => {
  relay = await startRecordingRelay(5432);
});
after(async () => {
  await relay.close();
});

const SEGMENTS = [1, 2, 3, 7, 64, 1 << 30];

function everyCut(log: Recorded[], tls: 'refuse' | 'pass'): Replay {
  const results = SEGMENTS.map((s) => replay(createPostgresCodec({ tls }), log, s));
  const first = results[0] as Replay;
  for (const r of results.slice(1)) {
    assert.deepEqual(r.requests, first.requests);
    assert.deepEqual(r.replies, first.replies);
    assert.equal(r.passive, first.passive);
    assert.equal(r.stopped, first.stopped);
  }
  return first;
}

async function lastSession(count: number): Promise<Recorded[]> {
  // The relay records as bytes arrive; the last ones may trail the driver's promise by a tick.
  for (let i = 0; i < 50 && relay.sessions.length < count; i++) await sleep(20);
  await sleep(50);
  return relay.sessions[count - 1] as Recorded[];
}

test('pg: startup, simple and extended queries, named statements, a transaction, an error and a notification', async () => {
  const client = new pg.Client({ host: '127.0.0.1', port: relay.port, user: 'postgres', database: 'test' });
  await client.connect();
  const notified = new Promise<void>((resolve) => client.once('notification', () => resolve()));
  await client.query('SELECT 1 AS one; SELECT 2 AS two');
  assert.equal((await client.query('SELECT $1::int AS x', [5])).rows[0].x, 5);
  for (const v of ['a', 'b']) {
    assert.equal((await client.query({ name: 'pgc_named', text: '/* hi */ (SELECT $1::text AS t)', values: [v] })).rows[0].t, v);
  }
  await client.query('BEGIN');
  await client.query('CREATE TEMP TABLE pgc_codec (a int)');
  await client.query('INSERT INTO pgc_codec VALUES ($1)', [1]);
  await client.query('COMMIT');
  await client.query('LISTEN pgc_codec_chan');
  await assert.rejects(client.query('SELECT 1/0'), { code: '22012' });
  const other = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
  await other.connect();
  await other.query("NOTIFY pgc_codec_chan, 'x'");
  await other.end();
  await notified;
  await client.end();
  const r = everyCut(await lastSession(1), 'refuse');
  assert.equal(r.unframeable, null);
  assert.deepEqual(
    r.requests.map((q) => [q.method, q.path]),
    [
      ['STARTUP', 'test'],
      ['SELECT', 'SELECT 1 AS one; SELECT 2 AS two'],
      ['SELECT', 'SELECT $1::int AS x'],
      ['SELECT', '/* hi */ (SELECT $1::text AS t)'],
      ['SELECT', '/* hi */ (SELECT $1::text AS t)'],
      ['BEGIN', 'BEGIN'],
      ['CREATE', 'CREATE TEMP TABLE pgc_codec (a int)'],
      ['INSERT', 'INSERT INTO pgc_codec VALUES ($1)'],
      ['COMMIT', 'COMMIT'],
      ['LISTEN', 'LISTEN pgc_codec_chan'],
      ['SELECT', 'SELECT 1/0'],
      ['TERMINATE', ''],
    ],
  );
  assert.equal(r.requests[0]?.opening, true);
  assert.equal(r.requests.at(-1)?.expectsReply, false);
  // One reply unit per request that expects one, and the notification on its own.
  assert.deepEqual(r.replies.filter((u) => !u).length, r.requests.length - 1);
  assert.deepEqual(r.replies.filter((u) => u).length, 1);
});

test('psql: SSLRequest passed (the server says N), COPY FROM STDIN data as passive units', async () => {
  const env = { ...process.env, PGSSLMODE: 'prefer', PGCONNECT_TIMEOUT: '5' };
  const { stdout } = await run(
    'sh',
    ['-c', `printf '1\\n2\\n3\\n' | psql -X -q -A -t -h 127.0.0.1 -p ${relay.port} -U postgres -d test -c 'CREATE TEMP TABLE pgc_copy (a int)' -c '\\copy pgc_copy from stdin' -c 'SELECT sum(a) FROM pgc_copy'`],
    { env },
  );
  assert.equal(stdout.trim(), '6');
  const log = await lastSession(relay.sessions.length);
  const r = everyCut(log, 'pass');
  assert.equal(r.unframeable, null);
  assert.deepEqual(
    r.requests.map((q) => q.method),
    ['SSLREQUEST', 'STARTUP', 'CREATE', 'COPY', 'SELECT', 'TERMINATE'],
  );
  assert.equal(r.requests[0]?.localAnswer, undefined);
  assert.ok(r.passive >= 2, `COPY data and done pass without requests of their own (${r.passive})`);
  assert.equal(r.replies.filter((u) => !u).length, 5);
  // Under `tls: refuse` the codec answers the SSLRequest itself with N.
  const refused = replay(createPostgresCodec({ tls: 'refuse' }), log.filter((e) => e.dir === 'c'), 5);
  assert.equal(refused.requests[0]?.localAnswer, 'N');
  assert.equal(refused.requests[1]?.method, 'STARTUP');
});

test('bytes that are not PostgreSQL are unframeable at once', () => {
  const http = [{ dir: 'c' as const, bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') }];
  assert.equal(replay(createPostgresCodec({ tls: 'refuse' }), http, 3).unframeable, 'c');
});

test('render: the serialization failure of docs/protocols.md, byte for byte, and ReadyForQuery following the session', () => {
  const codec = createPostgresCodec({ tls: 'refuse' });
  const params = Buffer.from('user\0postgres\0\0', 'latin1');
  const startup = Buffer.alloc(8 + params.length);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196608, 4);
  params.copy(startup, 8);
  assert.equal(codec.requests.scan(startup, 0, startup.length), startup.length);
  codec.requests.reset();
  const q = Buffer.from('Q\0\0\0\x0dSELECT 1\0', 'latin1');
  assert.equal(codec.requests.scan(q, 0, q.length), q.length);
  const view = codec.requests.view(1);
  assert.ok(view !== null);
  const message = 'could not serialize access due to concurrent update';
  const { bytes, close } = codec.render({ sqlstate: '40001', message }, view, 'ser');
  assert.equal(close, false);
  const expected = Buffer.concat([
    Buffer.from([0x45, 0, 0, 0, 79]),
    Buffer.from(`SERROR\0VERROR\0C40001\0M${message}\0\0`, 'latin1'),
    Buffer.from([0x5a, 0, 0, 0, 5, 0x49]),
  ]);
  assert.deepEqual(bytes, expected);
  assert.equal(codec.describe({ sqlstate: '40001' }), 'answered SQLSTATE 40001');
  // Inside a transaction block (the server's last Z said T), the error leaves it failed.
  const z = Buffer.from([0x5a, 0, 0, 0, 5, 0x54]);
  codec.replies.scan(z, 0, z.length);
  assert.equal(codec.render({}, view, 'ser').bytes.at(-1), 0x45);
  const fatal = codec.render({ severity: 'FATAL', sqlstate: '57P01' }, view, 'bye');
  assert.equal(fatal.close, true);
  assert.equal(fatal.bytes.includes(Buffer.from([0x5a, 0, 0, 0, 5])), false);
  assert.match(codec.render({}, view, 'named').bytes.toString('latin1'), /CXX000\0Mfaultline: injected by toxic named\0/);
});
