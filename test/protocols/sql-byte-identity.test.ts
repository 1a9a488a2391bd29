/**
 * What a postgres or mysql proxy does to traffic its toxics do not touch: nothing. A real driver
 * talks to the real server through the framed proxy, with every byte cut into single-byte reads
 * on both sides of it; relays record what the client sent and got and what the server got and
 * sent, and the two sides must be identical, byte for byte.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { RunningServer } from '../../src/server/index.js';
import { startRecordingRelay, type Recorded } from '../helpers/recording-relay.js';
import { addToxic, createProxy, startTestServer } from '../helpers/server.js';
import { sleep } from '../helpers/sockets.js';

let server: RunningServer;
let n = 0;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const SLICE = { average_size: 1, size_variation: 0, delay: 10 };

/** client → relay (client side) → slicer → framed proxy → slicer → relay (server side) → server. */
async function chain(protocol: 'postgres' | 'mysql', target: number, toxic: Record<string, unknown>) {
  const serverSide = await startRecordingRelay(target);
  const back = `sqlbyteback${++n}`;
  const { port: backPort } = await createProxy(server, back, serverSide.port);
  await addToxic(server, back, { type: 'slicer', stream: 'downstream', name: 'sd', attributes: SLICE });
  const framed = `sqlbyte${++n}`;
  const { port: framedPort } = await createProxy(server, framed, backPort, { protocol });
  await addToxic(server, framed, toxic);
  const front = `sqlbytefront${++n}`;
  const { port: frontPort } = await createProxy(server, front, framedPort);
  await addToxic(server, front, { type: 'slicer', stream: 'upstream', name: 'su', attributes: SLICE });
  const clientSide = await startRecordingRelay(frontPort);
  return { port: clientSide.port, clientSide, serverSide };
}

function joined(log: readonly Recorded[], dir: 'c' | 's'): Buffer {
  return Buffer.concat(log.filter((e) => e.dir === dir).map((e) => e.bytes));
}

async function settle(relays: { sessions: Recorded[][] }[]): Promise<void> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const total = relays.reduce((t, r) => t + r.sessions.flat().reduce((u, e) => u + e.bytes.length, 0), 0);
    if (total === last) return;
    last = total;
    await sleep(100);
  }
}

test('postgres: a pg session cut into single bytes both ways arrives unchanged on each side', async () => {
  const { port, clientSide, serverSide } = await chain('postgres', 5432, { type: 'error', name: 'never', attributes: { query: 'fl_never_matches', sqlstate: '40001' } });
  try {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'test' });
    await c.connect();
    await c.query('SELECT 1 AS a; SELECT 2 AS b');
    await c.query('SELECT $1::text AS t, generate_series(1, 50) AS g', ['x'.repeat(300)]);
    await assert.rejects(c.query('SELECT 1/0'), { code: '22012' });
    await c.query({ name: 'byte_named', text: 'SELECT $1::int AS n', values: [3] });
    await c.query({ name: 'byte_named', text: 'SELECT $1::int AS n', values: [4] });
    await c.end();
    await settle([clientSide, serverSide]);
    const client = clientSide.sessions[0] as Recorded[];
    const upstream = serverSide.sessions[0] as Recorded[];
    assert.ok(joined(client, 'c').length > 200);
    assert.deepEqual(joined(upstream, 'c'), joined(client, 'c'), 'what the server got is what the client sent');
    assert.deepEqual(joined(client, 's'), joined(upstream, 's'), 'what the client got is what the server sent');
  } finally {
    await clientSide.close();
    await serverSide.close();
  }
});

test('mysql: a mysql2 session cut into single bytes both ways arrives unchanged on each side', async () => {
  const { port, clientSide, serverSide } = await chain('mysql', 3306, { type: 'error', name: 'never', attributes: { query: 'fl_never_matches', code: 1213 } });
  try {
    const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', database: 'test', multipleStatements: true });
    await c.query('SELECT 1 AS a; SELECT 2 AS b');
    await c.execute('SELECT ? AS t, REPEAT(?, 300) AS r', ['x', 'y']);
    await c.execute('SELECT ? AS t, REPEAT(?, 300) AS r', ['z', 'w']);
    await assert.rejects(c.query('SELECT * FROM fl_sql_no_such_table'), { errno: 1146 });
    await c.ping();
    await c.end();
    await settle([clientSide, serverSide]);
    const client = clientSide.sessions[0] as Recorded[];
    const upstream = serverSide.sessions[0] as Recorded[];
    assert.ok(joined(client, 'c').length > 200);
    assert.deepEqual(joined(upstream, 'c'), joined(client, 'c'), 'what the server got is what the client sent');
    assert.deepEqual(joined(client, 's'), joined(upstream, 's'), 'what the client got is what the server sent');
  } finally {
    await clientSide.close();
    await serverSide.close();
  }
});
