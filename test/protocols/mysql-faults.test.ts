/**
 * Request-level toxics on a `mysql` proxy in front of the real MariaDB on 3306, driven by mysql2
 * and the mysql command-line client: ERR packets the driver turns into its own errors with the
 * chosen code and SQLSTATE, on the chosen statements, with the session going on.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import type { RunningServer } from '../../src/server/index.js';
import { recordEvents } from '../helpers/pipeline.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { collect, connectTo, readBytes, startUpstream } from '../helpers/sockets.js';

const MY = 3306;
const T = 'fl_sql_myf';
const run = promisify(execFile);

let server: RunningServer;
let counter = 0;
const conns: { end(): Promise<void> }[] = [];

const options = (port: number) => ({ host: '127.0.0.1', port, user: 'root', database: 'test' });

before(async () => {
  server = await startTestServer();
  const c = await mysql.createConnection(options(MY));
  await c.query(`DROP TABLE IF EXISTS ${T}`);
  await c.query(`CREATE TABLE ${T} (id INT PRIMARY KEY, name VARCHAR(20))`);
  await c.query(`INSERT INTO ${T} VALUES ${Array.from({ length: 20 }, (_, i) => `(${i + 1}, 'n${i + 1}')`).join(',')}`);
  await c.end();
});
after(async () => {
  for (const c of conns) await c.end().catch(() => {});
  const c = await mysql.createConnection(options(MY));
  await c.query(`DROP TABLE IF EXISTS ${T}`);
  await c.end();
  await server.close();
});

async function myProxy(extra: Record<string, unknown> = {}, upstream = MY): Promise<{ name: string; port: number }> {
  const name = `sqlmy${++counter}`;
  const { port } = await createProxy(server, name, upstream, { protocol: 'mysql', ...extra });
  return { name, port };
}

async function connection(port: number): Promise<mysql.Connection> {
  const c = await mysql.createConnection(options(port));
  c.on('error', () => {});
  conns.push(c);
  return c;
}

type MyError = Error & { errno?: number; sqlState?: string; code?: string };

async function outcomes(promises: Promise<[unknown, unknown]>[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const p of promises) {
    try {
      out.push((await p)[0]);
    } catch (err) {
      out.push(`${(err as MyError).errno} ${(err as MyError).sqlState}`);
    }
  }
  return out;
}

const DEADLOCK = { code: 1213, sqlstate: '40001', message: 'Deadlock found when trying to get lock; try restarting transaction' };

test('the 2nd and 3rd matching statements fail as mysql2 errors 1213/40001; the rest get real rows, text and prepared', async () => {
  const { name, port } = await myProxy();
  await addToxic(server, name, { type: 'error', name: 'dl', attributes: { query: `FROM ${T}`, nth: [2, 3], ...DEADLOCK } });
  const c = await connection(port);
  const got: unknown[] = [];
  for (let i = 1; i <= 5; i++) {
    const [one] = await c.query('SELECT 1 AS one');
    assert.deepEqual(one, [{ one: 1 }]);
    try {
      // Prepared on the 2nd, 4th; the 4th EXECUTE of the cached statement matches by its text too.
      const [rows] = i % 2 === 0 ? await c.execute(`SELECT name FROM ${T} WHERE id = ?`, [i]) : await c.query(`SELECT name FROM ${T} WHERE id = ${i}`);
      got.push((rows as { name: string }[])[0]?.name);
    } catch (err) {
      const e = err as MyError;
      assert.equal(e.code, 'ER_LOCK_DEADLOCK');
      got.push(`${e.errno} ${e.sqlState} ${e.message}`);
    }
  }
  assert.deepEqual(got, ['n1', `1213 40001 ${DEADLOCK.message}`, `1213 40001 ${DEADLOCK.message}`, 'n4', 'n5']);
  const faults = (await api(server, 'GET', `/proxies/${name}/faults`)).json as { method: string; path: string; action: string }[];
  assert.deepEqual(faults.map((f) => f.action), ['answered error 1213 SQLSTATE 40001', 'answered error 1213 SQLSTATE 40001']);
});

test('a prepared statement executed again (no PREPARE on the wire) still matches by its text', async () => {
  const { name, port } = await myProxy();
  const c = await connection(port);
  const sql = `SELECT id FROM ${T} WHERE id = ? AND 'myf_exec' = 'myf_exec'`;
  assert.deepEqual((await c.execute(sql, [2]))[0], [{ id: 2 }]);
  await addToxic(server, name, { type: 'error', name: 'wait', attributes: { query: 'myf_exec', first: 1, code: 1205, message: 'Lock wait timeout exceeded; try restarting transaction' } });
  await assert.rejects(c.execute(sql, [3]), (e: MyError) => e.errno === 1205 && e.sqlState === 'HY000');
  assert.deepEqual((await c.execute(sql, [4]))[0], [{ id: 4 }]);
});

test('queued commands keep their order with an error mid-stream; the pool is usable after it', async () => {
  const { name, port } = await myProxy();
  // Matching requests: 1 q1, 2 PREPARE, 3 EXECUTE(2), 4 q3, 5 EXECUTE(4) (the statement is cached), 6 q5, 7 EXECUTE(6).
  await addToxic(server, name, { type: 'error', name: 'mid', attributes: { keyword: 'SELECT', query: T, nth: [3, 5], ...DEADLOCK } });
  const c = await connection(port);
  const promises: Promise<[unknown, unknown]>[] = [];
  for (let i = 1; i <= 6; i++) promises.push(i % 2 === 0 ? c.execute(`SELECT id FROM ${T} WHERE id = ?`, [i]) : c.query(`SELECT id FROM ${T} WHERE id = ${i}`));
  assert.deepEqual(await outcomes(promises), [[{ id: 1 }], '1213 40001', [{ id: 3 }], '1213 40001', [{ id: 5 }], [{ id: 6 }]]);
  const pool = mysql.createPool({ ...options(port), connectionLimit: 2 });
  conns.push(pool);
  await addToxic(server, name, { type: 'error', name: 'pooled', attributes: { keyword: 'UPDATE', first: 1, ...DEADLOCK } });
  await assert.rejects(pool.query(`UPDATE ${T} SET name = name WHERE id = 1`), { errno: 1213 });
  const [r] = await pool.query(`UPDATE ${T} SET name = name WHERE id = 1`);
  assert.equal((r as { affectedRows: number }).affectedRows, 1);
  const [rows] = await pool.query(`SELECT COUNT(*) AS n FROM ${T}`);
  assert.deepEqual(rows, [{ n: 20 }]);
});

test('COM_CHANGE_USER re-authenticates through the proxy, and statements after it are still matched', async () => {
  const { name, port } = await myProxy();
  await addToxic(server, name, { type: 'error', name: 'after', attributes: { query: 'myf_change', ...DEADLOCK } });
  const c = await connection(port);
  await c.changeUser({ user: 'root', database: 'test' });
  assert.deepEqual((await c.query('SELECT 6 AS n'))[0], [{ n: 6 }]);
  await assert.rejects(c.query("SELECT 'myf_change'"), { errno: 1213 });
  assert.deepEqual((await c.query('SELECT 7 AS n'))[0], [{ n: 7 }]);
});

test('CONNECT refused with 1040 in place of the greeting: mysql2 and the mysql client both report it', async () => {
  const { name, port } = await myProxy();
  await addToxic(server, name, { type: 'error', name: 'full', attributes: { keyword: 'CONNECT', first: 2, code: 1040, message: 'Too many connections' } });
  await assert.rejects(mysql.createConnection(options(port)), (e: MyError) => e.errno === 1040 && e.message === 'Too many connections');
  const cli = await run('mysql', ['-h', '127.0.0.1', '-P', String(port), '-u', 'root', '--skip-ssl', 'test', '-e', 'SELECT 1']).catch((e: { code: number; stderr: string }) => e);
  assert.equal((cli as { code: number }).code, 1);
  assert.match((cli as { stderr: string }).stderr, /ERROR 1040 .*Too many connections/);
  // A CONNECT toxic is about sessions: queries on the third one are not counted.
  const c = await connection(port);
  assert.deepEqual((await c.query('SELECT 5 AS n'))[0], [{ n: 5 }]);
});

test('the mysql client shows the injected error with its code and SQLSTATE, and the statements before it ran', async () => {
  const { name, port } = await myProxy();
  await addToxic(server, name, { type: 'error', name: 'dl', attributes: { query: 'myf_cli', ...DEADLOCK } });
  const cli = await run('mysql', ['-h', '127.0.0.1', '-P', String(port), '-u', 'root', '-N', '-B', 'test', '-e', "SELECT 40 + 2; SELECT 'myf_cli'"]).catch(
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal((cli as { code: number }).code, 1);
  assert.equal(cli.stdout, '42\n');
  assert.match(cli.stderr, /ERROR 1213 \(40001\) at line 1: Deadlock found when trying to get lock/);
});

test('one-byte segmentation in both directions gives the same rows and the same errors in the same places', async () => {
  const back = `sqlmyback${++counter}`;
  const { port: backPort } = await createProxy(server, back, MY);
  await addToxic(server, back, { type: 'slicer', stream: 'downstream', name: 'sd', attributes: { average_size: 1, size_variation: 0, delay: 10 } });
  const { name, port } = await myProxy({}, backPort);
  await addToxic(server, name, { type: 'error', name: 'dl', attributes: { query: 'id = 3', ...DEADLOCK } });
  const front = `sqlmyfront${++counter}`;
  const { port: frontPort } = await createProxy(server, front, port);
  await addToxic(server, front, { type: 'slicer', stream: 'upstream', name: 'su', attributes: { average_size: 1, size_variation: 0, delay: 10 } });
  const sliced = await connection(frontPort);
  const direct = await connection(MY);
  for (const [sql, values] of [[`SELECT * FROM ${T} WHERE id < 4 ORDER BY id`, []], [`SELECT * FROM ${T} WHERE id = 3`, []], [`SELECT * FROM ${T} WHERE id = ?`, [5]]] as const) {
    const a = await outcomes([values.length > 0 ? sliced.execute(sql, [...values]) : sliced.query(sql)]);
    const b = sql.endsWith('id = 3') ? ['1213 40001'] : await outcomes([values.length > 0 ? direct.execute(sql, [...values]) : direct.query(sql)]);
    assert.deepEqual(a, b, sql);
  }
});

test('bytes that are not MySQL fall back to plain forwarding, byte for byte', async () => {
  const echo = await startUpstream();
  try {
    const { name, port } = await myProxy({}, echo.port);
    await addToxic(server, name, { type: 'error', name: 'never', attributes: { keyword: 'SELECT' } });
    const s = await connectTo(port);
    const recorded = recordEvents(server);
    const payload = Buffer.from('*1\r\n$4\r\nPING\r\n'.repeat(100));
    s.write(payload);
    assert.deepEqual(await readBytes(s, payload.length), payload);
    const stopped = recorded.events.filter((e) => e.type === 'framing-stopped' && e.proxy === name);
    recorded.stop();
    assert.match(stopped.map((e) => (e as { reason: string }).reason).join(' | '), /the client spoke before the server greeted it: not MySQL|not a MySQL greeting/);
    s.end();
    await collect(s);
  } finally {
    await echo.close();
  }
});

test('tls: refuse clears CLIENT_SSL in the greeting of a server that offers TLS, and nothing else; tls: pass leaves it', async () => {
  // The local MariaDB has TLS off: take its real greeting and set the bit, as a TLS-enabled server would.
  const direct = await connectTo(MY);
  let greeting = Buffer.alloc(0);
  while (greeting.length < 4 || greeting.length < 4 + greeting.readUIntLE(0, 3)) {
    const [chunk] = (await once(direct, 'data')) as [Buffer];
    greeting = Buffer.concat([greeting, chunk]);
  }
  direct.destroy();
  const capsAt = greeting.indexOf(0, 5) + 1 + 4 + 8 + 1;
  greeting[capsAt + 1] = (greeting[capsAt + 1] as number) | 0x08;
  const fake = await startUpstream((socket) => socket.write(greeting));
  try {
    for (const tls of ['refuse', 'pass'] as const) {
      const { port } = await myProxy(tls === 'pass' ? { tls } : {}, fake.port);
      const s = await connectTo(port);
      const got = await readBytes(s, greeting.length);
      s.destroy();
      const expected = Buffer.from(greeting);
      if (tls === 'refuse') expected[capsAt + 1] = (expected[capsAt + 1] as number) & ~0x08;
      assert.deepEqual(got, expected, tls);
    }
  } finally {
    await fake.close();
  }
});

test('delay, abort and hang on MySQL statements, as on HTTP', async () => {
  const { name, port } = await myProxy();
  await addToxic(server, name, { type: 'delay', name: 'slow', attributes: { query: 'myf_slow', ms: 300 } });
  await addToxic(server, name, { type: 'abort', name: 'cut', attributes: { query: 'myf_cut' } });
  const c = await connection(port);
  const t0 = performance.now();
  assert.deepEqual((await c.query("SELECT 'myf_slow' AS s"))[0], [{ s: 'myf_slow' }]);
  assert.ok(performance.now() - t0 >= 280, 'held about 300 ms');
  await assert.rejects(c.query("SELECT 'myf_cut'"), (e: MyError) => e.code === 'PROTOCOL_CONNECTION_LOST' || e.code === 'ECONNRESET');
});

test('bad input: a code out of range or a 4-character SQLSTATE is a 400 naming the attribute', async () => {
  const { name } = await myProxy();
  const bad = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { sqlstate: 'HY00' } });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /attributes\.sqlstate/);
  const code = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { code: 70000 } });
  assert.equal(code.status, 400);
  assert.match(code.text, /attributes\.code/);
});
