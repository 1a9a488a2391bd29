import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ProxyHandle } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { startService, type Service } from './service.js';

/**
 * Resilience tests for the inventory service, written with faultline's client. PostgreSQL and
 * Redis are the real local servers; faultline sits between them and the service.
 */
let faultline: RunningServer;
let service: Service | undefined;
let postgres: ProxyHandle;
let redis: ProxyHandle;

before(async () => {
  faultline = await startServer({
    port: 0,
    proxies: [
      { name: 'postgres', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432' },
      { name: 'redis', listen: '127.0.0.1:0', upstream: '127.0.0.1:6379' },
    ],
  });
  postgres = await faultline.client.proxy('postgres');
  redis = await faultline.client.proxy('redis');
  service = await startService({
    postgres: { host: postgres.host, port: postgres.port },
    redis: { host: redis.host, port: redis.port },
  });
});
after(async () => {
  await service?.close();
  await faultline?.close();
});

async function get(path: string): Promise<{ status: number; body: any; stale: boolean; ms: number }> {
  const start = performance.now();
  const res = await fetch(service!.url + path, { signal: AbortSignal.timeout(5000) });
  const body = await res.json();
  return { status: res.status, body, stale: res.headers.get('x-stale') === 'true', ms: performance.now() - start };
}

/** Polls until `check` passes: recovery is asynchronous (pools and clients reconnect). */
async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test('serves items and the popular list when everything is up', async () => {
  const item = await get('/items/1');
  assert.equal(item.status, 200);
  assert.equal(item.body.name, 'anvil');
  const popular = await get('/popular');
  assert.deepEqual(popular.body, ['anvil', 'rope']);
  assert.equal(popular.stale, false);
});

test('answers 503 quickly while PostgreSQL is down, and recovers after', async () => {
  await postgres.down(async () => {
    const res = await get('/items/1');
    assert.equal(res.status, 503);
    assert.equal(res.body.error, 'database unavailable');
    assert.ok(res.ms < 2000, `503 took ${res.ms.toFixed(0)} ms`);
  });
  await eventually(async () => assert.equal((await get('/items/1')).status, 200));
});

test('answers 503 quickly while PostgreSQL is too slow, and recovers after', async () => {
  await postgres.withToxic({ type: 'latency', attributes: { latency: 2000 } }, async () => {
    const res = await get('/items/2');
    assert.equal(res.status, 503);
    assert.ok(res.ms < 1500, `503 took ${res.ms.toFixed(0)} ms`);
  });
  await eventually(async () => assert.equal((await get('/items/2')).body.name, 'rope'));
});

test('serves the last good popular list, marked stale, while Redis times out; fresh again after', async () => {
  assert.equal((await get('/popular')).stale, false);
  await redis.withToxic({ type: 'timeout', attributes: { timeout: 0 } }, async () => {
    const res = await get('/popular');
    assert.equal(res.status, 200);
    assert.equal(res.stale, true);
    assert.deepEqual(res.body, ['anvil', 'rope']);
    assert.ok(res.ms < 1500, `stale answer took ${res.ms.toFixed(0)} ms`);
  });
  await eventually(async () => {
    const res = await get('/popular');
    assert.equal(res.status, 200);
    assert.equal(res.stale, false);
  });
});
