import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { api } from '../helpers/server.js';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0 });
});
after(() => server?.close());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freshProxy(name: string): Promise<void> {
  const res = await api(server, 'POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  assert.equal(res.status, 201, res.text);
}

test('a lease that is not renewed removes its toxics and re-enables the proxies it disabled', async () => {
  await freshProxy('lease-a');
  await freshProxy('lease-b');
  // Long enough for a busy machine to make the calls below within it; shortened after.
  const lease = await api(server, 'POST', '/leases', { ttl_ms: 10_000 });
  assert.equal(lease.status, 201);
  const id = lease.json.id as string;
  const headers = { 'X-Faultline-Lease': id };
  assert.equal((await api(server, 'POST', '/proxies/lease-a/toxics', { type: 'latency', attributes: { latency: 10 } }, headers)).status, 200);
  // A toxic added without the header is not the lease's.
  assert.equal((await api(server, 'POST', '/proxies/lease-a/toxics', { name: 'mine', type: 'latency', attributes: { latency: 5 } })).status, 200);
  assert.equal((await api(server, 'POST', '/proxies/lease-b', { enabled: false }, headers)).status, 200);
  const shown = await api(server, 'GET', `/leases/${id}`);
  assert.deepEqual(shown.json.toxics, ['lease-a/latency_downstream']);
  assert.deepEqual(shown.json.disabled_proxies, ['lease-b']);

  // A renew may change the ttl; renewed again, the lease holds past its first ttl.
  assert.equal((await api(server, 'POST', `/leases/${id}/renew`, { ttl_ms: 1500 })).json.ttl_ms, 1500);
  await sleep(1000);
  assert.equal((await api(server, 'POST', `/leases/${id}/renew`, {})).status, 200);
  await sleep(1000);
  assert.equal((await api(server, 'GET', '/proxies/lease-a')).json.toxics.length, 2);

  await sleep(2000);
  const a = await api(server, 'GET', '/proxies/lease-a');
  assert.deepEqual(a.json.toxics.map((t: { name: string }) => t.name), ['mine']);
  assert.equal((await api(server, 'GET', '/proxies/lease-b')).json.enabled, true);
  assert.equal((await api(server, 'GET', `/leases/${id}`)).status, 404);
  // Faults under an expired lease are refused, so a runner that lost its lease finds out.
  const late = await api(server, 'POST', '/proxies/lease-a/toxics', { type: 'timeout' }, headers);
  assert.equal(late.status, 404);
  assert.equal(late.json.error, 'lease not found');
});

test('a released lease leaves faults alone; a fault removed by hand is forgotten by its lease', async () => {
  await freshProxy('lease-c');
  const id = (await api(server, 'POST', '/leases', { ttl_ms: 1000 })).json.id as string;
  const headers = { 'X-Faultline-Lease': id };
  await api(server, 'POST', '/proxies/lease-c/toxics', { name: 't', type: 'latency', attributes: { latency: 1 } }, headers);
  await api(server, 'DELETE', '/proxies/lease-c/toxics/t');
  // Someone else adds a toxic of the same name: the expiry must not take it.
  await api(server, 'POST', '/proxies/lease-c/toxics', { name: 't', type: 'latency', attributes: { latency: 2 } });
  await sleep(1300);
  assert.equal((await api(server, 'GET', '/proxies/lease-c')).json.toxics.length, 1);

  const id2 = (await api(server, 'POST', '/leases', { ttl_ms: 1000 })).json.id as string;
  await api(server, 'POST', '/proxies/lease-c/toxics', { name: 'u', type: 'latency', attributes: { latency: 1 } }, { 'X-Faultline-Lease': id2 });
  assert.equal((await api(server, 'DELETE', `/leases/${id2}`)).status, 204);
  await sleep(1300);
  assert.equal((await api(server, 'GET', '/proxies/lease-c')).json.toxics.length, 2);
});

test('lease requests are validated', async () => {
  const bad = await api(server, 'POST', '/leases', { ttl_ms: 0 });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /ttl_ms: expected a whole number of milliseconds from 1 to 86400000/);
  assert.equal((await api(server, 'POST', '/leases/nope/renew', {})).status, 404);
  assert.equal((await api(server, 'DELETE', '/leases/nope')).status, 404);
});
