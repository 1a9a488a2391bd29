import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Faultline, FaultlineError } from '../../src/index.js';
import { nodeSend } from '../../src/client/node-send.js';
import { startServer } from '../../src/server/index.js';
import { serveBinary } from '../helpers/binary.js';
import { unusedPort } from '../helpers/sockets.js';
import { clientContract } from './contract.js';

clientContract('an in-process server (startServer)', async () => {
  const server = await startServer({ port: 0 });
  return { url: server.url, stop: () => server.close() };
});

// The same contract over node:http, as the CLI sends its requests.
clientContract(
  'an in-process server, through nodeSend',
  async () => {
    const server = await startServer({ port: 0 });
    return { url: server.url, stop: () => server.close() };
  },
  { send: nodeSend },
);

clientContract('the faultline binary in its own process', async () => {
  const { child, url } = await serveBinary(['server', '--port', '0']);
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'close');
    },
  };
});

test('startServer returns a ready client and can declare proxies up front', async () => {
  const server = await startServer({
    port: 0,
    proxies: [{ name: 'pg', listen: '127.0.0.1:0', upstream: '127.0.0.1:5432', toxics: [{ type: 'timeout', attributes: { timeout: 100 } }] }],
  });
  try {
    const pg = await server.client.proxy('pg');
    assert.equal(pg.toxics[0]?.type, 'timeout');
  } finally {
    await server.close();
  }
});

test('an unreachable server is a FaultlineError with status 0 and a clear message', async () => {
  const port = await unusedPort();
  const client = new Faultline(`127.0.0.1:${port}`);
  assert.equal(client.url, `http://127.0.0.1:${port}`);
  const err = await client.proxies().catch((e: unknown) => e);
  assert.ok(err instanceof FaultlineError);
  assert.equal(err.status, 0);
  assert.match(err.message, new RegExp(`^cannot reach server at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  assert.equal(await client.isReachable(), false);
  const overNodeHttp = await new Faultline(`127.0.0.1:${port}`, { send: nodeSend }).proxies().catch((e: unknown) => e);
  assert.ok(overNodeHttp instanceof FaultlineError);
  assert.match(overNodeHttp.message, new RegExp(`^cannot reach server at http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
});

test('populate refuses a document that is not a list of proxies, saying what was wrong', async () => {
  const server = await startServer({ port: 0 });
  try {
    const populate = (doc: unknown) => server.client.populate(doc as never);
    await assert.rejects(populate(null), /populate takes an array of proxies, or an object with a "proxies" array/);
    await assert.rejects(populate({ foo: 1 }), /populate takes an array of proxies/);
    await assert.rejects(populate([5]), /populate: proxy 1 is not an object/);
    await assert.rejects(populate([{ name: 'a', upstream: 'h:1', toxics: 'no' }]), /populate: the toxics of proxy 1 are not a list/);
    assert.deepEqual(await server.client.proxies(), {}, 'nothing was sent');
  } finally {
    await server.close();
  }
});
