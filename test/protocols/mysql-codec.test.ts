/**
 * The mysql codec on sessions recorded between real clients (mysql2, the mysql command-line
 * client) and the real local MariaDB: the commands it finds, the reply units, and that any
 * segmentation of the same bytes finds the same ones.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import mysql from 'mysql2/promise';
import { createMysqlCodec } from '../../src/protocols/mysql/codec.js';
import { replay, type Replay } from '../helpers/codec-replay.js';
import { startRecordingRelay, type Recorded } from '../helpers/recording-relay.js';
import { sleep } from '../helpers/sockets.js';

const run = promisify(execFile);
let relay: Awaited<ReturnType<typeof startRecordingRelay>>;
before(async () => {
  relay = await startRecordingRelay(3306);
});
after(async () => {
  await relay.close();
});

const SEGMENTS = [1, 2, 3, 5, 64, 1 << 30];

/** Recorded bytes are copied per replay: under `tls: refuse` the codec rewrites the greeting in place. */
function everyCut(log: Recorded[], tls: 'refuse' | 'pass' = 'pass'): Replay {
  const results = SEGMENTS.map((s) => replay(createMysqlCodec({ tls }), log.map((e) => ({ dir: e.dir, bytes: Buffer.from(e.bytes) })), s));
  const first = results[0] as Replay;
  for (const r of results.slice(1)) {
    assert.deepEqual(r.requests, first.requests);
    assert.deepEqual(r.replies, first.replies);
    assert.equal(r.passive, first.passive);
    assert.equal(r.stopped, first.stopped);
    assert.deepEqual(r.server, first.server);
  }
  return first;
}

async function session(index: number): Promise<Recorded[]> {
  for (let i = 0; i < 50 && relay.sessions.length <= index; i++) await sleep(20);
  await sleep(50);
  return relay.sessions[index] as Recorded[];
}

test('mysql2: handshake, text and multi-statement queries, prepared statements by id, an error, a ping', async () => {
  const before = relay.sessions.length;
  const c = await mysql.createConnection({ host: '127.0.0.1', port: relay.port, user: 'root', database: 'test', multipleStatements: true });
  await c.query('CREATE TEMPORARY TABLE myc_codec (a INT, b VARCHAR(10))');
  await c.query("INSERT INTO myc_codec VALUES (1, 'x'), (2, NULL)");
  const [sets] = await c.query('SELECT 1 AS one; SELECT * FROM myc_codec ORDER BY a');
  assert.equal((sets as unknown[]).length, 2);
  for (const v of [1, 2]) {
    const [rows] = await c.execute('/* p */ SELECT b FROM myc_codec WHERE a = ?', [v]);
    assert.equal((rows as { b: string | null }[])[0]?.b, v === 1 ? 'x' : null);
  }
  await assert.rejects(c.query('SELECT * FROM myc_no_such_table'), { errno: 1146 });
  await c.ping();
  await c.end();
  const r = everyCut(await session(before));
  assert.equal(r.unframeable, null);
  assert.deepEqual(
    r.requests.map((q) => [q.method, q.path]),
    [
      ['CREATE', 'CREATE TEMPORARY TABLE myc_codec (a INT, b VARCHAR(10))'],
      ['INSERT', "INSERT INTO myc_codec VALUES (1, 'x'), (2, NULL)"],
      ['SELECT', 'SELECT 1 AS one; SELECT * FROM myc_codec ORDER BY a'],
      ['SELECT', '/* p */ SELECT b FROM myc_codec WHERE a = ?'],
      ['SELECT', '/* p */ SELECT b FROM myc_codec WHERE a = ?'],
      ['SELECT', '/* p */ SELECT b FROM myc_codec WHERE a = ?'],
      ['SELECT', 'SELECT * FROM myc_no_such_table'],
      ['PING', ''],
      ['QUIT', ''],
    ],
  );
  // The greeting-to-OK unit (the opening's reply), then one per command that has a reply.
  assert.deepEqual(r.replies, new Array(1 + r.requests.length - 1).fill(false));
  assert.ok(r.passive >= 1, 'the handshake response is not a request');
});

test('mysql CLI: a session with result sets, both EOF styles of the client, and the greeting without CLIENT_SSL under tls: refuse', async () => {
  const before = relay.sessions.length;
  const { stdout } = await run('mysql', ['-h', '127.0.0.1', '-P', String(relay.port), '-u', 'root', '--skip-ssl', '-N', '-B', 'test', '-e', 'SELECT 40+2; SELECT "a" UNION SELECT "b"; DO 1'], {});
  assert.equal(stdout, '42\na\nb\n');
  const log = await session(before);
  const r = everyCut(log);
  assert.equal(r.unframeable, null);
  assert.ok(r.requests.some((q) => q.path === 'SELECT 40+2'), JSON.stringify(r.requests));
  assert.equal(r.replies.length, r.requests.filter((q) => q.expectsReply).length + 1);
  // The codec rewrote the greeting's CLIENT_SSL bit and nothing else.
  const greetingOf = (bytes: Buffer): Buffer => bytes.subarray(0, 4 + bytes.readUIntLE(0, 3));
  const original = greetingOf(Buffer.concat(log.filter((e) => e.dir === 's').map((e) => e.bytes)));
  const refused = everyCut(log, 'refuse');
  const rewritten = greetingOf(refused.server);
  assert.equal(rewritten.length, original.length);
  const differing = [...original.keys()].filter((i) => original[i] !== rewritten[i]);
  const capsAt = 4 + original.indexOf(0, 5) + 1 - 4 + 4 + 8 + 1;
  if ((original[capsAt + 1]! & 0x08) !== 0) assert.deepEqual(differing, [capsAt + 1]);
  else assert.deepEqual(differing, []);
  assert.equal(rewritten[capsAt + 1]! & 0x08, 0);
});

test('render: the deadlock ERR of docs/protocols.md byte for byte, and the refusal in place of the greeting', () => {
  const codec = createMysqlCodec({ tls: 'refuse' });
  const open = codec.opening();
  assert.ok(open !== null);
  assert.equal(open.method, 'CONNECT');
  const refusal = codec.render({ code: 1040, message: 'Too many connections' }, open, 't');
  assert.equal(refusal.close, true);
  assert.deepEqual(refusal.bytes, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0xff, 0x10, 0x04]), Buffer.from('Too many connections')]));
  toCommandPhase(codec);
  const query = Buffer.concat([Buffer.from([9, 0, 0, 0, 3]), Buffer.from('SELECT 1')]);
  assert.equal(codec.requests.scan(query, 0, query.length), query.length);
  const view = codec.requests.view(1);
  assert.ok(view !== null);
  const message = 'Deadlock found when trying to get lock; try restarting transaction';
  const { bytes, close } = codec.render({ code: 1213, sqlstate: '40001', message }, view, 'dl');
  assert.equal(close, false);
  assert.deepEqual(bytes, Buffer.concat([Buffer.from([0x4b, 0, 0, 1, 0xff, 0xbd, 0x04, 0x23]), Buffer.from(`40001${message}`)]));
  assert.equal(codec.describe({ code: 1213, sqlstate: '40001' }), 'answered error 1213 SQLSTATE 40001');
  assert.match(codec.render({}, view, 'named').bytes.toString('latin1'), /\xff\x51\x04#HY000faultline: injected by toxic named$/);
});

/** A greeting, a handshake response and the OK, so the codec is in the command phase. */
function toCommandPhase(codec: ReturnType<typeof createMysqlCodec>): void {
  const greeting = Buffer.from('4a0000000a31302e31312e3139000100000041414141414141410000f7ff2d0200ff8115000000000000070000004242424242424242424242420000006d7973716c5f6e61746976655f70617373776f726400', 'hex');
  greeting.writeUIntLE(greeting.length - 4, 0, 3);
  codec.replies.scan(greeting, 0, greeting.length);
  const response = Buffer.from([0x04, 0, 0, 1, 0x00, 0x02, 0, 0]);
  let off = 0;
  while (off < response.length) off = codec.requests.scan(response, off, response.length);
  assert.equal(codec.requests.complete, true);
  codec.requests.reset();
  const ok = Buffer.from([7, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0]);
  codec.replies.scan(ok, 0, ok.length);
  assert.equal(codec.replies.complete, true);
  codec.replies.reset();
}

test("MariaDB's pipelined PREPARE + EXECUTE(0xFFFFFFFF): when the PREPARE is answered here, the EXECUTE is answered too, as the server would", () => {
  const codec = createMysqlCodec({ tls: 'refuse' });
  toCommandPhase(codec);
  const prepare = Buffer.concat([Buffer.from([9, 0, 0, 0, 0x16]), Buffer.from('SELECT ?')]);
  assert.equal(codec.requests.scan(prepare, 0, prepare.length), prepare.length);
  const view = codec.requests.view(2);
  assert.ok(view !== null);
  codec.render({ code: 1213, sqlstate: '40001' }, view, 'dl');
  codec.requests.reset();
  const execute = Buffer.from([10, 0, 0, 0, 0x17, 0xff, 0xff, 0xff, 0xff, 0, 1, 0, 0, 0]);
  assert.equal(codec.requests.scan(execute, 0, execute.length), execute.length);
  const exec = codec.requests.view(3);
  assert.ok(exec?.localAnswer !== undefined);
  const text = 'Unknown prepared statement handler (4294967295) given to mysqld_stmt_execute';
  assert.deepEqual(exec.localAnswer, Buffer.concat([Buffer.from([9 + text.length, 0, 0, 1, 0xff, 0xdb, 0x04]), Buffer.from(`#HY000${text}`)]));
});
