/**
 * Request-level toxics on a `postgres` proxy in front of the real PostgreSQL on 5432, driven by
 * pg and psql: ErrorResponses the driver turns into its own DatabaseError with the chosen
 * SQLSTATE, on the chosen statements, with the session going on (or closing, for FATAL).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import type { RunningServer } from '../../src/server/index.js';
import { recordEvents } from '../helpers/pipeline.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { collect, connectTo, readBytes, sleep, startUpstream } from '../helpers/sockets.js';

const PG = 5432;
const T = 'fl_sql_pgf';
const run = promisify(execFile);

let server: RunningServer;
let counter = 0;
const clients: (pg.Client | pg.Pool)[] = [];

before(async () => {
  server = await startTestServer();
  const c = new pg.Client({ host: '127.0.0.1', port: PG, user: 'postgres', database: 'test' });
  await c.connect();
  await c.query(`DROP TABLE IF EXISTS ${T}; CREATE TABLE ${T} (id int PRIMARY KEY, name text); INSERT INTO ${T} SELECT g, 'n' || g FROM generate_series(1, 20) g`);
  await c.end();
});
after(async () => {
  for (const c of clients) await c.end().catch(() => {});
  const c = new pg.Client({ host: '127.0.0.1', port: PG, user: 'postgres', database: 'test' });
  await c.connect();
  await c.query(`DROP TABLE IF EXISTS ${T}`);
  await c.end();
  await server.close();
});

async function pgProxy(extra: Record<string, unknown> = {}, upstream = PG): Promise<{ name: string; port: number }> {
  const name = `sqlpg${++counter}`;
  const { port } = await createProxy(server, name, upstream, { protocol: 'postgres', ...extra });
  return { name, port };
}

async function client(port: number): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'test' });
  c.on('error', () => {});
  clients.push(c);
  await c.connect();
  return c;
}

/** Each promise's rows, or the error's class and SQLSTATE. */
async function outcomes(promises: Promise<pg.QueryResult>[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const p of promises) {
    try {
      out.push((await p).rows);
    } catch (err) {
      out.push(`${(err as Error).constructor.name} ${(err as { code?: string }).code}`);
    }
  }
  return out;
}

const SERIALIZATION = { sqlstate: '40001', message: 'could not serialize access due to concurrent update' };

test('the 2nd and 3rd matching SELECT fail as pg DatabaseErrors 40001; the rest get real rows on the same connection', async () => {
  const { name, port } = await pgProxy();
  await addToxic(server, name, { type: 'error', name: 'ser', attributes: { query: `FROM ${T}`, nth: [2, 3], ...SERIALIZATION } });
  const c = await client(port);
  const got: unknown[] = [];
  for (let i = 1; i <= 5; i++) {
    // Simple and extended protocol in turn; SELECT 1 never matches and is not counted.
    assert.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    try {
      const r = i % 2 === 0 ? await c.query(`SELECT name FROM ${T} WHERE id = $1`, [i]) : await c.query(`SELECT name FROM ${T} WHERE id = ${i}`);
      got.push(r.rows[0].name);
    } catch (err) {
      assert.ok(err instanceof pg.DatabaseError, String(err));
      assert.equal(err.severity, 'ERROR');
      got.push(`${err.code} ${err.message}`);
    }
  }
  assert.deepEqual(got, ['n1', `40001 ${SERIALIZATION.message}`, `40001 ${SERIALIZATION.message}`, 'n4', 'n5']);
  const faults = (await api(server, 'GET', `/proxies/${name}/faults`)).json as { request: number; method: string; action: string }[];
  assert.deepEqual(faults.map((f) => [f.method, f.action]), [['SELECT', 'answered SQLSTATE 40001'], ['SELECT', 'answered SQLSTATE 40001']]);
});

test('deadlock and cancellation codes by keyword; the pool stays usable after each', async () => {
  const { name, port } = await pgProxy();
  await addToxic(server, name, { type: 'error', name: 'dl', attributes: { keyword: 'UPDATE', first: 1, sqlstate: '40P01', message: 'deadlock detected' } });
  await addToxic(server, name, { type: 'error', name: 'cancel', attributes: { keyword: ['DELETE'], first: 1, sqlstate: '57014', message: 'canceling statement due to user request' } });
  const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'test', max: 2 });
  clients.push(pool);
  await assert.rejects(pool.query(`UPDATE ${T} SET name = name WHERE id = 1`), (e: unknown) => e instanceof pg.DatabaseError && e.code === '40P01' && e.message === 'deadlock detected');
  await assert.rejects(pool.query(`DELETE FROM ${T} WHERE id = 999`), (e: unknown) => e instanceof pg.DatabaseError && e.code === '57014');
  assert.equal((await pool.query(`UPDATE ${T} SET name = name WHERE id = 1`)).rowCount, 1);
  assert.equal((await pool.query(`SELECT count(*)::int AS n FROM ${T}`)).rows[0].n, 20);
  assert.equal(pool.totalCount <= 2, true);
});

test('queued queries keep their order, in the simple and the extended protocol, with an error mid-stream', async () => {
  const { name, port } = await pgProxy();
  await addToxic(server, name, { type: 'error', name: 'mid', attributes: { query: `FROM ${T}`, nth: [3, 6], ...SERIALIZATION } });
  const c = await client(port);
  // pg queues: all eight are sent as soon as the previous one's ReadyForQuery arrives.
  const promises: Promise<pg.QueryResult>[] = [];
  for (let i = 1; i <= 8; i++) {
    promises.push(i <= 4 ? c.query(`SELECT id FROM ${T} WHERE id = ${i}`) : c.query({ text: `SELECT id FROM ${T} WHERE id = $1`, values: [i], name: i === 8 ? 'pgf_named' : undefined }));
  }
  assert.deepEqual(await outcomes(promises), [[{ id: 1 }], [{ id: 2 }], 'DatabaseError 40001', [{ id: 4 }], [{ id: 5 }], 'DatabaseError 40001', [{ id: 7 }], [{ id: 8 }]]);
  // The named statement was prepared upstream: executing it again is a Bind that still matches by its text.
  await addToxic(server, name, { type: 'error', name: 'named', attributes: { query: `FROM ${T}`, first: 1, sqlstate: '40P01' } });
  await assert.rejects(c.query({ text: `SELECT id FROM ${T} WHERE id = $1`, values: [8], name: 'pgf_named' }), { code: '40P01' });
  assert.deepEqual((await c.query({ text: `SELECT id FROM ${T} WHERE id = $1`, values: [8], name: 'pgf_named' })).rows, [{ id: 8 }]);
});

test('inside a transaction an injected error leaves ReadyForQuery failed (E), as the server would; outside it idle (I)', async () => {
  const { name, port } = await pgProxy();
  await addToxic(server, name, { type: 'error', name: 'tx', attributes: { query: 'pgf_marker', ...SERIALIZATION } });
  const s = await connectTo(port);
  const params = Buffer.from('user\0postgres\0database\0test\0\0', 'latin1');
  const startup = Buffer.alloc(8 + params.length);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196608, 4);
  params.copy(startup, 8);
  const messages = pgMessages(s);
  s.write(startup);
  assert.equal(await messages.untilReady(), 'I');
  const q = (text: string): Buffer => {
    const body = Buffer.from(`${text}\0`);
    const b = Buffer.alloc(5 + body.length);
    b[0] = 0x51;
    b.writeInt32BE(4 + body.length, 1);
    body.copy(b, 5);
    return b;
  };
  s.write(q("SELECT 'pgf_marker'"));
  assert.equal(await messages.untilReady(), 'I');
  assert.match(messages.seen.join(','), /E:SERROR\0VERROR\0C40001\0/);
  s.write(q('BEGIN'));
  assert.equal(await messages.untilReady(), 'T');
  s.write(q("SELECT 'pgf_marker'"));
  assert.equal(await messages.untilReady(), 'E');
  s.write(q('ROLLBACK'));
  assert.equal(await messages.untilReady(), 'I');
  s.destroy();
});

test('a batch that ends in Flush and waits gets its error at once; the Sync after it is dropped, and the session goes on', async () => {
  const { name, port } = await pgProxy();
  await addToxic(server, name, { type: 'error', name: 'flush', attributes: { query: 'pgf_flush', ...SERIALIZATION } });
  const s = await connectTo(port);
  const messages = pgMessages(s);
  const params = Buffer.from('user\0postgres\0database\0test\0\0', 'latin1');
  const startup = Buffer.alloc(8 + params.length);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196608, 4);
  params.copy(startup, 8);
  s.write(startup);
  assert.equal(await messages.untilReady(), 'I');
  const msg = (type: string, body: Buffer): Buffer => {
    const b = Buffer.alloc(5 + body.length);
    b.write(type, 0, 'latin1');
    b.writeInt32BE(4 + body.length, 1);
    body.copy(b, 5);
    return b;
  };
  const z = (text: string): Buffer => Buffer.from(`${text}\0`);
  // Parse, Bind, Describe portal, Execute, Flush — and wait, as a cursor does.
  s.write(Buffer.concat([
    msg('P', Buffer.concat([z(''), z("SELECT 'pgf_flush'"), Buffer.from([0, 0])])),
    msg('B', Buffer.concat([z(''), z(''), Buffer.from([0, 0, 0, 0, 0, 0])])),
    msg('D', Buffer.concat([Buffer.from('P'), z('')])),
    msg('E', Buffer.concat([z(''), Buffer.from([0, 0, 0, 0])])),
    msg('H', Buffer.alloc(0)),
  ]));
  assert.equal(await messages.untilReady(), 'I');
  assert.match(messages.seen.join(','), /E:SERROR\0VERROR\0C40001\0/);
  const before = messages.seen.length;
  s.write(Buffer.concat([msg('C', Buffer.concat([Buffer.from('P'), z('')])), msg('S', Buffer.alloc(0)), msg('Q', z("SELECT 'after' AS a"))]));
  assert.equal(await messages.untilReady(), 'I');
  // Only the simple query's answer came: the dropped Sync got none.
  assert.deepEqual(messages.seen.slice(before).map((m) => m[0]), ['T', 'D', 'C', 'Z']);
  s.destroy();
});

/** A raw reader of backend messages: each as `type:body`, and the status of each ReadyForQuery. */
function pgMessages(s: import('node:net').Socket): { seen: string[]; untilReady(): Promise<string> } {
  let buf = Buffer.alloc(0);
  const seen: string[] = [];
  let waiter: ((status: string) => void) | null = null;
  const statuses: string[] = [];
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 5 && buf.length >= 1 + buf.readInt32BE(1)) {
      const len = buf.readInt32BE(1);
      const type = String.fromCharCode(buf[0] as number);
      const body = buf.subarray(5, 1 + len);
      seen.push(`${type}:${body.toString('latin1')}`);
      if (type === 'Z') statuses.push(body.toString('latin1'));
      buf = buf.subarray(1 + len);
    }
    if (waiter !== null && statuses.length > 0) {
      const w = waiter;
      waiter = null;
      w(statuses.shift() as string);
    }
  });
  return {
    seen,
    untilReady: () =>
      statuses.length > 0
        ? Promise.resolve(statuses.shift() as string)
        : new Promise((resolve, reject) => {
            waiter = resolve;
            setTimeout(() => reject(new Error(`no ReadyForQuery; saw ${seen.join(' | ')}`)), 5000).unref();
          }),
  };
}

test('FATAL 57P01 reaches pg as its DatabaseError and closes the connection', async () => {
  const { name, port } = await pgProxy();
  await addToxic(server, name, { type: 'error', name: 'shutdown', attributes: { keyword: 'SELECT', nth: [2], severity: 'FATAL', sqlstate: '57P01', message: 'terminating connection due to administrator command' } });
  const c = await client(port);
  // pg also emits 'error' (terminated unexpectedly) as it does for a real server's FATAL.
  const ended = new Promise<void>((resolve) => c.on('end', () => resolve()));
  assert.deepEqual((await c.query('SELECT 1 AS a')).rows, [{ a: 1 }]);
  await assert.rejects(c.query('SELECT 2 AS a'), (e: unknown) => e instanceof pg.DatabaseError && e.code === '57P01' && e.severity === 'FATAL');
  await ended;
  await assert.rejects(c.query('SELECT 3'));
});

test('startup refused with FATAL 53300: pg and psql both report "sorry, too many clients already"', async () => {
  const { name, port } = await pgProxy();
  await addToxic(server, name, { type: 'error', name: 'full', attributes: { keyword: 'STARTUP', first: 2, sqlstate: '53300', message: 'sorry, too many clients already' } });
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'test' });
  await assert.rejects(c.connect(), (e: unknown) => e instanceof pg.DatabaseError && e.code === '53300' && e.severity === 'FATAL');
  const psql = await run('psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'test', '-c', 'SELECT 1'], { env: { ...process.env, PGSSLMODE: 'prefer' } }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((psql as { code: number }).code, 2);
  assert.match((psql as { stderr: string }).stderr, /FATAL:  sorry, too many clients already/);
  // The third session is let through; a STARTUP toxic never counts queries.
  const ok = await client(port);
  assert.deepEqual((await ok.query('SELECT 7 AS n')).rows, [{ n: 7 }]);
});

test('psql: sslmode=prefer is refused TLS locally and shows the injected error; under tls: pass the server answers', async () => {
  for (const tls of ['refuse', 'pass'] as const) {
    const { name, port } = await pgProxy(tls === 'pass' ? { tls } : {});
    await addToxic(server, name, { type: 'error', name: 'ser', attributes: { query: 'pgf_psql', ...SERIALIZATION } });
    const argv = ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'test', '-c', 'SELECT 41 + 1', '-c', "SELECT 'pgf_psql'"];
    const r = await run('psql', argv, { env: { ...process.env, PGSSLMODE: 'prefer' } }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    assert.equal((r as { code?: number }).code, 1, tls);
    assert.equal(r.stdout.trim(), '42');
    assert.match(r.stderr, /ERROR:  could not serialize access due to concurrent update/);
  }
});

test('one-byte segmentation in both directions gives the same rows, and the same errors in the same places', async () => {
  const { name, port } = await pgProxy();
  await addToxic(server, name, { type: 'error', name: 'ser', attributes: { query: 'id = 3', ...SERIALIZATION } });
  // A tcp proxy in front slices the client's bytes, and the postgres proxy's replies, into single bytes.
  const front = `sqlpgslice${++counter}`;
  const { port: slicedPort } = await createProxy(server, front, port);
  for (const stream of ['upstream', 'downstream']) {
    await addToxic(server, front, { type: 'slicer', stream, name: `s${stream}`, attributes: { average_size: 1, size_variation: 0, delay: 10 } });
  }
  // The postgres proxy must see single bytes too: slice what it gets from PostgreSQL.
  const back = `sqlpgback${++counter}`;
  const { port: backPort } = await createProxy(server, back, PG);
  await addToxic(server, back, { type: 'slicer', stream: 'downstream', name: 'sd', attributes: { average_size: 1, size_variation: 0, delay: 10 } });
  await api(server, 'POST', `/proxies/${name}`, { upstream: `127.0.0.1:${backPort}` });
  const sliced = await client(slicedPort);
  const direct = await client(PG);
  const queries = [`SELECT * FROM ${T} WHERE id < 3 ORDER BY id`, `SELECT * FROM ${T} WHERE id = 3`, `SELECT * FROM ${T} WHERE id = $1`];
  for (const q of queries) {
    const values = q.includes('$1') ? [4] : [];
    const a = await outcomes([sliced.query(q, values)]);
    const b = q.endsWith('id = 3') ? ['DatabaseError 40001'] : await outcomes([direct.query(q, values)]);
    assert.deepEqual(a, b, q);
  }
});

test('bytes that are not PostgreSQL fall back to plain forwarding, byte for byte', async () => {
  const echo = await startUpstream();
  try {
    const { name, port } = await pgProxy({}, echo.port);
    await addToxic(server, name, { type: 'error', name: 'never', attributes: { keyword: 'SELECT' } });
    const s = await connectTo(port);
    const recorded = recordEvents(server);
    const payload = Buffer.from('GET / HTTP/1.1\r\nHost: not-postgres\r\n\r\n'.repeat(50));
    s.write(payload);
    assert.deepEqual(await readBytes(s, payload.length), payload);
    const stopped = recorded.events.filter((e) => e.type === 'framing-stopped' && e.proxy === name);
    recorded.stop();
    assert.match(stopped.map((e) => (e as { reason: string }).reason).join(' | '), /not a PostgreSQL startup packet/);
    s.end();
    await collect(s);
    await sleep(10);
  } finally {
    await echo.close();
  }
});

test('delay and abort on PostgreSQL statements, as on HTTP', async () => {
  const { name, port } = await pgProxy();
  await addToxic(server, name, { type: 'delay', name: 'slow', attributes: { query: 'pgf_slow', ms: 300 } });
  await addToxic(server, name, { type: 'abort', name: 'cut', attributes: { query: 'pgf_cut' } });
  const c = await client(port);
  const t0 = performance.now();
  assert.deepEqual((await c.query("SELECT 'pgf_slow' AS s")).rows, [{ s: 'pgf_slow' }]);
  assert.ok(performance.now() - t0 >= 280, 'held about 300 ms');
  await assert.rejects(c.query("SELECT 'pgf_cut'"), /Connection terminated unexpectedly/);
});

test('bad input: a SQLSTATE that is not 5 characters is a 400 naming attributes.sqlstate', async () => {
  const { name } = await pgProxy();
  const res = await api(server, 'POST', `/proxies/${name}/toxics`, { type: 'error', attributes: { sqlstate: '4001' } });
  assert.equal(res.status, 400);
  assert.match(res.text, /attributes\.sqlstate/);
});
