/**
 * The soak's cases (bench/soak, `npm run soak`) in a short form, each on its own server process:
 * byte integrity under toxic churn, descriptors after many short connections, the API while
 * upstreams misbehave, and slow API clients. The full sizes and the 1 s API bound are the soak's;
 * here the bound is looser, because a shared 2-core machine stalls now and then.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connections } from '../../bench/soak/connections.js';
import { integrity } from '../../bench/soak/integrity.js';
import { misbehaving } from '../../bench/soak/misbehaving.js';
import { startServerProcess, type ServerProcess } from '../../bench/soak/server.js';
import { slowClients } from '../../bench/soak/slow-clients.js';

const LOOSE_API_BOUND_MS = 3000;

async function withServer<T>(run: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServerProcess();
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

test('32 MB each way while toxics are added, updated and removed every 20 ms: sha256-identical', async () => {
  const r = await withServer((s) => integrity(s, 32 * 1024 * 1024));
  assert.ok(r.changes > 0, 'toxics changed while data flowed');
  assert.equal(r.upstreamIntact, true);
  assert.equal(r.downstreamIntact, true);
});

test('1,000 short connections: the server has as many descriptors open afterwards as before', async () => {
  const r = await withServer((s) => connections(s, 1000));
  assert.ok(r.fdsAfter <= r.fdsBefore, `${r.fdsBefore} descriptors before, ${r.fdsAfter} after`);
});

test('upstreams that refuse, reset, stop reading or half-close do not slow the API', async () => {
  const r = await withServer((s) => misbehaving(s, 2));
  assert.ok(r.clientConnections > 10 && r.apiCalls > 10, JSON.stringify(r));
  assert.ok(r.slowestApiMs < LOOSE_API_BOUND_MS, `slowest API call ${r.slowestApiMs} ms`);
});

test('100 clients sending a header byte a second do not delay a normal API client', async () => {
  const r = await withServer((s) => slowClients(s, 100, 2));
  assert.equal(r.stillOpen, 100, 'the slow clients were still connected, so they really were in the way');
  assert.ok(r.slowestNormalMs < LOOSE_API_BOUND_MS, `slowest normal call ${r.slowestNormalMs} ms`);
});
