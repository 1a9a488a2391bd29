import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Faultline, FaultlineError, type ClientOptions } from '../../src/index.js';
import { connectTo, readBytes, roundTrip, startUpstream, type TestUpstream } from '../helpers/sockets.js';

const refused = (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED';

/**
 * The client's behaviour, run against any server: `start` returns the API URL of a fresh
 * faultline server and a function that stops it.
 */
export function clientContract(label: string, start: () => Promise<{ url: string; stop: () => Promise<void> }>, options: ClientOptions = {}): void {
  describe(`client against ${label}`, () => {
    let client: Faultline;
    let stop: () => Promise<void>;
    let echo: TestUpstream;
    let upstream: string;

    before(async () => {
      const server = await start();
      stop = server.stop;
      client = new Faultline(server.url, options);
      echo = await startUpstream();
      upstream = `127.0.0.1:${echo.port}`;
    });
    after(async () => {
      await stop();
      await echo.close();
    });
    beforeEach(async () => {
      for (const proxy of Object.values(await client.proxies())) await proxy.delete();
    });

    test('version, create, get, list', async () => {
      assert.equal(await client.version(), '2.12.0');
      const proxy = await client.createProxy({ name: 'db', listen: '127.0.0.1:0', upstream });
      assert.equal(proxy.host, '127.0.0.1');
      assert.ok(proxy.port > 0);
      assert.equal((await client.proxy('db')).listen, proxy.listen);
      assert.deepEqual(Object.keys(await client.proxies()), ['db']);
    });

    test("errors carry the status and the server's message", async () => {
      const err = await client.proxy('missing').catch((e: unknown) => e);
      assert.ok(err instanceof FaultlineError);
      assert.equal(err.status, 404);
      assert.equal(err.message, 'proxy not found');
      await client.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream });
      await assert.rejects(client.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream }), {
        name: 'FaultlineError',
        status: 409,
        message: 'proxy already exists',
      });
    });

    test('a typed toxic acts on traffic, updates by merging, and is removed', async () => {
      const proxy = await client.createProxy({ name: 'slow', listen: '127.0.0.1:0', upstream });
      const socket = await connectTo(proxy.port);
      const toxic = await proxy.addToxic({ type: 'latency', attributes: { latency: 120, jitter: 5 } });
      assert.equal(toxic.name, 'latency_downstream');
      assert.ok((await roundTrip(socket, 'a')) >= 110);
      await toxic.update({ attributes: { latency: 0 } });
      assert.deepEqual(toxic.attributes, { latency: 0, jitter: 5 });
      await toxic.remove();
      assert.deepEqual(await proxy.listToxics(), []);
      socket.destroy();
    });

    test('withToxic removes the toxic after the body, and when the body throws', async () => {
      const proxy = await client.createProxy({ name: 'scoped', listen: '127.0.0.1:0', upstream });
      const seen = await proxy.withToxic({ type: 'bandwidth', attributes: { rate: 0 } }, async (toxic) => {
        assert.equal(toxic.type, 'bandwidth');
        return (await proxy.listToxics()).map((t) => t.name);
      });
      assert.deepEqual(seen, ['bandwidth_downstream']);
      assert.deepEqual(await proxy.listToxics(), []);

      const boom = new Error('the test failed');
      await assert.rejects(
        proxy.withToxic({ type: 'timeout', attributes: { timeout: 0 } }, () => {
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.deepEqual(await proxy.listToxics(), []);
    });

    test('a toxic the server refuses never runs the body and leaves nothing behind', async () => {
      const proxy = await client.createProxy({ name: 'refused', listen: '127.0.0.1:0', upstream });
      let ran = false;
      await assert.rejects(
        proxy.withToxic({ type: 'latency', attributes: { latency: -5 } }, () => {
          ran = true;
        }),
        (err: FaultlineError) => err.status === 400 && err.message.includes('attributes.latency'),
      );
      assert.equal(ran, false);
      assert.deepEqual(await proxy.listToxics(), []);
    });

    test('down() refuses connections inside the body and restores the proxy, also on failure', async () => {
      const proxy = await client.createProxy({ name: 'flaky', listen: '127.0.0.1:0', upstream });
      await proxy.down(async () => {
        await assert.rejects(connectTo(proxy.port), refused);
      });
      const socket = await connectTo(proxy.port);
      socket.destroy();

      await assert.rejects(
        proxy.down(() => Promise.reject(new Error('inner'))),
        /inner/,
      );
      assert.equal((await proxy.refresh()).enabled, true);
    });

    test('down() leaves a proxy that was already disabled disabled', async () => {
      const proxy = await client.createProxy({ name: 'off', listen: '127.0.0.1:0', upstream, enabled: false });
      await proxy.down(() => {});
      assert.equal((await proxy.refresh()).enabled, false);
    });

    test('await using removes toxics and brings proxies back at the end of the scope', async () => {
      const proxy = await client.createProxy({ name: 'using', listen: '127.0.0.1:0', upstream });
      {
        await using _toxic = await proxy.addToxic({ type: 'limit_data', attributes: { bytes: 10 } });
        await using _down = await proxy.down();
        assert.equal((await proxy.refresh()).enabled, false);
        assert.equal(proxy.toxics.length, 1);
      }
      await proxy.refresh();
      assert.equal(proxy.enabled, true);
      assert.deepEqual(proxy.toxics, []);
    });

    test('when the body and the clean-up both fail, the body error wins and carries the other', async () => {
      const proxy = await client.createProxy({ name: 'doomed', listen: '127.0.0.1:0', upstream });
      const err = await proxy
        .down(async () => {
          await proxy.delete(); // the clean-up's enable will now answer 404
          throw new Error('body failed');
        })
        .catch((e: unknown) => e as Error & { suppressed?: unknown });
      assert.equal(err.message, 'body failed');
      assert.ok(err.suppressed instanceof FaultlineError);
      assert.equal((err.suppressed as FaultlineError).status, 404);
    });

    test('a toxic removed by the body, or by a reset, counts as cleaned up', async () => {
      const proxy = await client.createProxy({ name: 'swept', listen: '127.0.0.1:0', upstream });
      await proxy.withToxic({ type: 'noop' }, () => client.reset());
      assert.deepEqual(await proxy.listToxics(), []);
    });

    test('select() faults several proxies together and restores them all', async () => {
      const a = await client.createProxy({ name: 'redis-a', listen: '127.0.0.1:0', upstream });
      const b = await client.createProxy({ name: 'redis-b', listen: '127.0.0.1:0', upstream });
      const other = await client.createProxy({ name: 'pg', listen: '127.0.0.1:0', upstream });
      const redis = await client.select(/^redis/);
      assert.deepEqual(redis.names, ['redis-a', 'redis-b']);
      await redis.down(async () => {
        await assert.rejects(connectTo(a.port), refused);
        await assert.rejects(connectTo(b.port), refused);
        (await connectTo(other.port)).destroy();
      });
      (await connectTo(a.port)).destroy();
      (await connectTo(b.port)).destroy();

      await (await client.select(['redis-a', 'pg'])).withToxic({ type: 'latency', attributes: { latency: 1 } }, async () => {
        assert.equal((await a.listToxics()).length, 1);
        assert.equal((await other.listToxics()).length, 1);
        assert.equal((await b.listToxics()).length, 0);
      });
      assert.equal((await a.listToxics()).length + (await other.listToxics()).length, 0);
      await assert.rejects(client.select(['redis-a', 'nope']), { status: 404, message: 'proxy not found: nope' });
    });

    test('a group fault that fails part-way undoes what it did', async () => {
      const a = await client.createProxy({ name: 'g1', listen: '127.0.0.1:0', upstream });
      const b = await client.createProxy({ name: 'g2', listen: '127.0.0.1:0', upstream });
      await b.addToxic({ name: 'lag', type: 'latency', attributes: { latency: 1 } });
      const group = await client.select(['g1', 'g2']);
      await assert.rejects(group.addToxic({ name: 'lag', type: 'latency', attributes: { latency: 5 } }), { status: 409 });
      assert.deepEqual(await a.listToxics(), [], 'the toxic added to g1 before g2 failed is removed');
    });

    test('populate declares proxies with their toxics, and is idempotent', async () => {
      const config = [
        { name: 'cache', listen: '127.0.0.1:0', upstream, toxics: [{ type: 'latency' as const, attributes: { latency: 30 } }] },
        { name: 'store', listen: '127.0.0.1:0', upstream, enabled: false },
      ];
      const first = await client.populate(config);
      assert.deepEqual(first.map((p) => p.name), ['cache', 'store']);
      const declared = first[0]?.toxics[0];
      assert.equal(declared?.type === 'latency' && declared.attributes.latency, 30);
      const cache = await client.proxy('cache');
      const again = await client.populate({ proxies: [{ ...config[0]!, listen: cache.listen, toxics: [{ type: 'latency', attributes: { latency: 60 } }] }] });
      assert.equal(again[0]?.listen, cache.listen, 'an unchanged proxy is kept');
      const updated = again[0]?.toxics[0];
      assert.equal(updated?.type === 'latency' && updated.attributes.latency, 60, 'an existing toxic is updated');

      const dir = await mkdtemp(join(tmpdir(), 'faultline-client-'));
      const file = join(dir, 'proxies.json');
      await writeFile(file, JSON.stringify([{ name: 'from-file', listen: '127.0.0.1:0', upstream }]));
      const fromFile = await client.populateFromFile(file);
      const socket = await connectTo(fromFile[0]!.port);
      socket.write('hi');
      assert.equal((await readBytes(socket, 2)).toString(), 'hi');
      socket.destroy();
    });
  });
}
