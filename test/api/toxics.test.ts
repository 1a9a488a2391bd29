/**
 * Conformance of the toxic routes (reference §2.3, §2.5.6–§2.5.8) and faultline's deliberate
 * deviations: validated attribute ranges and toxicity, atomic updates, slicer average_size 0.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import {
  assertEchoes,
  assertError,
  assertErrorStartsWith,
  assertJson,
  assertNoContent,
  prompt,
} from '../helpers/api-extra.js';
import { addToxic, api, createProxy, startTestServer } from '../helpers/server.js';
import { readBytes, socketTracker, startUpstream, type TestUpstream } from '../helpers/sockets.js';

let server: RunningServer;
let echo: TestUpstream;
const clients = socketTracker();
let counter = 0;

const client = clients.connect;

/** A fresh proxy per test, so toxic names never collide between tests. */
async function freshProxy(): Promise<{ name: string; port: number; path: string }> {
  const name = `tp${++counter}`;
  const { port } = await createProxy(server, name, echo.port);
  return { name, port, path: `/proxies/${name}/toxics` };
}

before(async () => {
  server = await startTestServer();
  echo = await startUpstream();
});

afterEach(() => {
  clients.destroyAll();
});

after(async () => {
  await server.close();
  await echo.close();
});

const ALL_ATTRIBUTES: Record<string, string[]> = {
  noop: [],
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  slow_close: ['delay'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  slicer: ['average_size', 'size_variation', 'delay'],
  limit_data: ['bytes'],
};

describe('POST /proxies/{p}/toxics', () => {
  test('200 (not 201) with attributes, name, type, stream, toxicity in that order', async () => {
    const { path } = await freshProxy();
    const res = await prompt('create toxic', () => api(server, 'POST', path, { type: 'latency' }));
    assertJson(res, 200);
    assert.equal(
      res.text,
      '{"attributes":{"latency":0,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}',
    );
  });

  for (const [type, keys] of Object.entries(ALL_ATTRIBUTES)) {
    test(`${type}: every attribute present, 0 when omitted`, async () => {
      const { path } = await freshProxy();
      const res = await api(server, 'POST', path, { type });
      assertJson(res, 200);
      assert.deepEqual(Object.keys(res.json.attributes), keys);
      assert.deepEqual(res.json.attributes, Object.fromEntries(keys.map((k) => [k, 0])));
      assert.equal(res.json.name, `${type}_downstream`);
      assert.equal(res.json.type, type);
    });
  }

  test('noop attributes are {}', async () => {
    const { path } = await freshProxy();
    const res = await api(server, 'POST', path, { type: 'noop', attributes: { whatever: 5 } });
    assertJson(res, 200);
    assert.equal(res.text, '{"attributes":{},"name":"noop_downstream","type":"noop","stream":"downstream","toxicity":1}');
  });

  test('given attributes are merged over zero defaults; unknown ones ignored; keys case-insensitive', async () => {
    const { path } = await freshProxy();
    const a = await api(server, 'POST', path, { name: 'a', type: 'latency', attributes: { latency: 100 } });
    assert.deepEqual(a.json.attributes, { latency: 100, jitter: 0 });
    const b = await api(server, 'POST', path, { name: 'b', type: 'latency', attributes: { JITTER: 5, colour: 'red' } });
    assertJson(b, 200);
    assert.equal(JSON.stringify(b.json.attributes), '{"latency":0,"jitter":5}');
    const c = await api(server, 'POST', path, {
      Name: 'c',
      TYPE: 'slicer',
      Stream: 'upstream',
      Toxicity: 0.5,
      Attributes: { Average_Size: 10, size_variation: 2, DELAY: 3 },
    });
    assertJson(c, 200);
    assert.equal(
      c.text,
      '{"attributes":{"average_size":10,"size_variation":2,"delay":3},"name":"c","type":"slicer","stream":"upstream","toxicity":0.5}',
    );
  });

  test('defaults: stream downstream, toxicity 1, name <type>_<stream>; null means default', async () => {
    const { path } = await freshProxy();
    const up = await api(server, 'POST', path, { type: 'bandwidth', stream: 'upstream', attributes: { rate: 10 } });
    assertJson(up, 200);
    assert.equal(up.json.name, 'bandwidth_upstream');
    assert.equal(up.json.toxicity, 1);
    const nulls = await api(server, 'POST', path, { type: 'latency', name: null, stream: null, toxicity: null, attributes: null });
    assertJson(nulls, 200);
    assert.equal(
      nulls.text,
      '{"attributes":{"latency":0,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}',
    );
    const empty = await api(server, 'POST', path, { type: 'noop', name: '' });
    assert.equal(empty.json.name, 'noop_downstream', 'an empty name takes the default');
  });

  test('stream "UpStream" is accepted and echoed verbatim; the default name uses it', async () => {
    const { path } = await freshProxy();
    const res = await api(server, 'POST', path, { type: 'latency', stream: 'UpStream' });
    assertJson(res, 200);
    assert.equal(res.json.stream, 'UpStream');
    assert.equal(res.json.name, 'latency_UpStream');
    const down = await api(server, 'POST', path, { type: 'noop', stream: 'DOWNSTREAM' });
    assert.equal(down.json.stream, 'DOWNSTREAM');
    // It is an upstream toxic: listed before the downstream one.
    const list = await api(server, 'GET', path);
    assert.deepEqual((list.json as Array<{ name: string }>).map((t) => t.name), ['latency_UpStream', 'noop_DOWNSTREAM']);
    assert.equal((await api(server, 'GET', `${path}/latency_UpStream`)).json.stream, 'UpStream');
  });

  test('stream "", "sideways", "up" → 400 stream was invalid', async () => {
    const { path } = await freshProxy();
    for (const stream of ['', 'sideways', 'up', 'down', ' upstream']) {
      assertError(
        await api(server, 'POST', path, { type: 'latency', stream }),
        400,
        'stream was invalid, can be either upstream or downstream',
      );
    }
    // The stream is checked before the type.
    assertError(
      await api(server, 'POST', path, { type: 'nope', stream: 'sideways' }),
      400,
      'stream was invalid, can be either upstream or downstream',
    );
    assert.equal((await api(server, 'GET', path)).text, '[]');
  });

  test('unknown, missing or empty type (and "down") → 400 invalid toxic type', async () => {
    const { path } = await freshProxy();
    for (const body of [{ type: 'nope' }, {}, { type: '' }, { type: 'down' }, { type: 'Latency' }, { name: 'x' }]) {
      assertError(await api(server, 'POST', path, body), 400, 'invalid toxic type');
    }
    assert.equal((await api(server, 'GET', path)).text, '[]');
  });

  test('duplicate name in the same or the other stream → 409 toxic already exists', async () => {
    const { path } = await freshProxy();
    await addToxic(server, path.split('/')[2] as string, { name: 't', type: 'latency', stream: 'downstream' });
    assertError(await api(server, 'POST', path, { name: 't', type: 'noop', stream: 'downstream' }), 409, 'toxic already exists');
    assertError(await api(server, 'POST', path, { name: 't', type: 'noop', stream: 'upstream' }), 409, 'toxic already exists');
    assertJson(await api(server, 'POST', path, { type: 'latency' }), 200);
    assertError(await api(server, 'POST', path, { type: 'latency' }), 409, 'toxic already exists');
    const list = (await api(server, 'GET', path)).json as Array<{ name: string; type: string }>;
    assert.deepEqual(list.map((t) => [t.name, t.type]), [['t', 'latency'], ['latency_downstream', 'latency']]);
  });

  test("the name is checked before the attributes, as in Toxiproxy (409 beats 400)", async () => {
    const { path } = await freshProxy();
    assertJson(await api(server, 'POST', path, { name: 'dup', type: 'latency' }), 200);
    assertError(
      await api(server, 'POST', path, { name: 'dup', type: 'latency', attributes: { latency: 'abc' } }),
      409,
      'toxic already exists',
    );
  });

  test('bad JSON, empty body, non-object body → 400 bad request body', async () => {
    const { path } = await freshProxy();
    assertError(await api(server, 'POST', path, ''), 400, 'bad request body: EOF');
    assertErrorStartsWith(await api(server, 'POST', path, '{"type":'), 400, 'bad request body: ');
    assertErrorStartsWith(await api(server, 'POST', path, '["latency"]'), 400, 'bad request body: ');
    const wrong = assertErrorStartsWith(await api(server, 'POST', path, { type: 7 }), 400, 'bad request body: ');
    assert.ok(wrong.includes('type'), wrong);
    const attrs = assertErrorStartsWith(await api(server, 'POST', path, { type: 'latency', attributes: 5 }), 400, 'bad request body: ');
    assert.ok(attrs.includes('attributes'), attrs);
    const str = assertErrorStartsWith(
      await api(server, 'POST', path, { type: 'latency', attributes: { latency: 'abc' } }),
      400,
      'bad request body: ',
    );
    assert.ok(str.includes('attributes.latency'), str);
    assert.equal((await api(server, 'GET', path)).text, '[]');
  });

  test('toxicity is kept as a float32: 0.123456789 reads back as 0.12345679', async () => {
    const { path } = await freshProxy();
    const res = await api(server, 'POST', path, { type: 'noop', toxicity: 0.123456789 });
    assertJson(res, 200);
    assert.ok(res.text.endsWith('"toxicity":0.12345679}'), res.text);
    assert.ok((await api(server, 'GET', `${path}/noop_downstream`)).text.endsWith('"toxicity":0.12345679}'));
    const others: Array<[number, string]> = [
      [0, '0'],
      [0.5, '0.5'],
      [0.3, '0.3'],
      [1, '1'],
    ];
    for (const [toxicity, text] of others) {
      const r = await api(server, 'POST', path, { name: `t${toxicity}`, type: 'noop', toxicity });
      assert.ok(r.text.endsWith(`"toxicity":${text}}`), r.text);
    }
  });
});

describe('faultline deviations on create', () => {
  const rule = 'expected a whole number of milliseconds from 0 to 2147483647';
  for (const [value, got] of [
    [-1, 'number -1'],
    [1.5, 'number 1.5'],
    [3000000000, 'number 3000000000'],
  ] as const) {
    test(`latency ${value} → 400 naming attributes.latency`, async () => {
      const { path } = await freshProxy();
      assertError(
        await api(server, 'POST', path, { type: 'latency', attributes: { latency: value } }),
        400,
        `bad request body: attributes.latency: ${rule}, got ${got}`,
      );
      assert.equal((await api(server, 'GET', path)).text, '[]');
    });
  }

  test('the largest whole millisecond value is accepted', async () => {
    const { path } = await freshProxy();
    const res = await api(server, 'POST', path, { type: 'latency', attributes: { latency: 2147483647, jitter: 0 } });
    assertJson(res, 200);
    assert.equal(res.json.attributes.latency, 2147483647);
  });

  test('other attributes are range-checked too, naming the attribute', async () => {
    const { path } = await freshProxy();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['bandwidth', { rate: -5 }, 'attributes.rate'],
      ['slow_close', { delay: 0.25 }, 'attributes.delay'],
      ['timeout', { timeout: -1 }, 'attributes.timeout'],
      ['reset_peer', { timeout: 1e12 }, 'attributes.timeout'],
      ['slicer', { average_size: -1 }, 'attributes.average_size'],
      ['limit_data', { bytes: 'ten' }, 'attributes.bytes'],
      ['latency', { jitter: true }, 'attributes.jitter'],
    ];
    for (const [type, attributes, field] of cases) {
      const message = assertErrorStartsWith(await api(server, 'POST', path, { type, attributes }), 400, 'bad request body: ');
      assert.ok(message.startsWith(`bad request body: ${field}: `), message);
    }
    assert.equal((await api(server, 'GET', path)).text, '[]');
  });

  test('toxicity outside 0..1 (or not a number) → 400 naming toxicity', async () => {
    const { path } = await freshProxy();
    for (const toxicity of [-0.1, 1.5, 7, -3, '0.5']) {
      const message = assertErrorStartsWith(
        await api(server, 'POST', path, { type: 'noop', toxicity }),
        400,
        'bad request body: toxicity: ',
      );
      assert.ok(message.includes('toxicity'), message);
    }
    assert.equal((await api(server, 'GET', path)).text, '[]');
  });

  test('slicer average_size 0 is accepted and traffic still flows (Toxiproxy crashes)', async () => {
    const { path, port } = await freshProxy();
    for (const stream of ['upstream', 'downstream']) {
      const res = await api(server, 'POST', path, { type: 'slicer', stream, attributes: { average_size: 0, size_variation: 0 } });
      assertJson(res, 200);
      assert.deepEqual(res.json.attributes, { average_size: 0, size_variation: 0, delay: 0 });
    }
    const socket = await client(port);
    const payload = Buffer.alloc(100);
    for (let i = 0; i < payload.length; i++) payload[i] = i;
    socket.write(payload);
    const echoed = await readBytes(socket, 100, 5000);
    assert.deepEqual(echoed, payload);
    // The server is still alive and answering.
    assert.equal((await api(server, 'GET', '/version')).status, 200);
  });

  test('a toxic name containing "/" is reachable percent-encoded', async () => {
    const { path } = await freshProxy();
    assertJson(await api(server, 'POST', path, { name: 'x/y', type: 'noop' }), 200);
    const shown = await api(server, 'GET', `${path}/x%2Fy`);
    assertJson(shown, 200);
    assert.equal(shown.json.name, 'x/y');
    assertJson(await api(server, 'PATCH', `${path}/x%2Fy`, { toxicity: 0.5 }), 200);
    assertNoContent(await api(server, 'DELETE', `${path}/x%2Fy`));
    assertError(await api(server, 'GET', `${path}/x%2Fy`), 404, 'toxic not found');
  });
});

describe('GET /proxies/{p}/toxics and /toxics/{t}', () => {
  test('[] when the proxy has none', async () => {
    const { path } = await freshProxy();
    const res = await api(server, 'GET', path);
    assertJson(res, 200);
    assert.equal(res.text, '[]');
  });

  test('upstream toxics first, each stream in chain order; the proxy lists the same', async () => {
    const { name, path } = await freshProxy();
    const added = [
      ['d1', 'downstream'],
      ['u1', 'upstream'],
      ['d2', 'downstream'],
      ['u2', 'upstream'],
      ['d3', 'downstream'],
    ];
    for (const [toxic, stream] of added) await addToxic(server, name, { name: toxic, type: 'noop', stream });
    const res = await api(server, 'GET', path);
    assertJson(res, 200);
    assert.deepEqual((res.json as Array<{ name: string }>).map((t) => t.name), ['u1', 'u2', 'd1', 'd2', 'd3']);
    const proxy = await api(server, 'GET', `/proxies/${name}`);
    assert.equal(JSON.stringify(proxy.json.toxics), res.text);
    assert.equal(JSON.stringify((await api(server, 'GET', '/proxies')).json[name].toxics), res.text);
  });

  test('GET one toxic; unknown → 404 toxic not found', async () => {
    const { name, path } = await freshProxy();
    const created = await addToxic(server, name, { name: 'lat', type: 'latency', stream: 'upstream', toxicity: 0.25, attributes: { latency: 10, jitter: 2 } });
    const res = await api(server, 'GET', `${path}/lat`);
    assertJson(res, 200);
    assert.equal(res.text, '{"attributes":{"latency":10,"jitter":2},"name":"lat","type":"latency","stream":"upstream","toxicity":0.25}');
    assert.deepEqual(res.json, created);
    assertError(await api(server, 'GET', `${path}/nope`), 404, 'toxic not found');
    assertError(await api(server, 'GET', `${path}/LAT`), 404, 'toxic not found');
  });
});

describe('update: POST and PATCH /proxies/{p}/toxics/{t}', () => {
  for (const method of ['POST', 'PATCH']) {
    test(`${method}: merges attributes, keeps toxicity when omitted, ignores name/type/stream`, async () => {
      const { name, path } = await freshProxy();
      await addToxic(server, name, { name: 'first', type: 'noop', stream: 'upstream' });
      await addToxic(server, name, { name: 'lat', type: 'latency', toxicity: 0.5, attributes: { latency: 100, jitter: 10 } });
      await addToxic(server, name, { name: 'last', type: 'noop' });
      const res = await prompt('update toxic', () =>
        api(server, method, `${path}/lat`, {
          name: 'renamed',
          type: 'bandwidth',
          stream: 'upstream',
          attributes: { jitter: 3 },
        }),
      );
      assertJson(res, 200);
      assert.equal(res.text, '{"attributes":{"latency":100,"jitter":3},"name":"lat","type":"latency","stream":"downstream","toxicity":0.5}');
      assert.equal((await api(server, 'GET', `${path}/lat`)).text, res.text);
      assertError(await api(server, 'GET', `${path}/renamed`), 404, 'toxic not found');

      const tox = await api(server, method, `${path}/lat`, { toxicity: 0.123456789 });
      assertJson(tox, 200);
      assert.equal(tox.text, '{"attributes":{"latency":100,"jitter":3},"name":"lat","type":"latency","stream":"downstream","toxicity":0.12345679}');
      // Position in the chain is kept.
      const list = (await api(server, 'GET', path)).json as Array<{ name: string }>;
      assert.deepEqual(list.map((t) => t.name), ['first', 'lat', 'last']);
    });
  }

  test('an empty object changes nothing; attribute keys are case-insensitive', async () => {
    const { name, path } = await freshProxy();
    const created = await addToxic(server, name, { name: 'bw', type: 'bandwidth', toxicity: 0.75, attributes: { rate: 50 } });
    const same = await api(server, 'PATCH', `${path}/bw`, {});
    assertJson(same, 200);
    assert.deepEqual(same.json, created);
    const upper = await api(server, 'PATCH', `${path}/bw`, { Attributes: { RATE: 20 } });
    assert.deepEqual(upper.json.attributes, { rate: 20 });
    assert.equal(upper.json.toxicity, 0.75);
  });

  test('a bad value → 400 and nothing changes (faultline deviation: Toxiproxy half-applies)', async () => {
    const { name, path } = await freshProxy();
    await addToxic(server, name, { name: 'lat', type: 'latency', toxicity: 0.5, attributes: { latency: 5, jitter: 1 } });
    const before = (await api(server, 'GET', `${path}/lat`)).text;
    const bodies: unknown[] = [
      { attributes: { jitter: 7, latency: 'abc' } },
      { attributes: { jitter: 7, latency: -1 } },
      { toxicity: 0.2, attributes: { latency: 1.5 } },
      { toxicity: 2, attributes: { jitter: 9 } },
      { attributes: 'none' },
    ];
    for (const body of bodies) {
      const res = await api(server, 'PATCH', `${path}/lat`, body);
      assertErrorStartsWith(res, 400, 'bad request body: ');
      assert.equal((await api(server, 'GET', `${path}/lat`)).text, before, JSON.stringify(body));
    }
    assertError(
      await api(server, 'PATCH', `${path}/lat`, { attributes: { jitter: 7, latency: 'abc' } }),
      400,
      `bad request body: attributes.latency: expected a whole number of milliseconds from 0 to 2147483647, got the string "abc"`,
    );
    assertError(await api(server, 'POST', `${path}/lat`, ''), 400, 'bad request body: EOF');
    assertErrorStartsWith(await api(server, 'POST', `${path}/lat`, '{'), 400, 'bad request body: ');
    assert.equal((await api(server, 'GET', `${path}/lat`)).text, before);
  });

  test('unknown toxic → 404 toxic not found, even with a bad body', async () => {
    const { path } = await freshProxy();
    assertError(await api(server, 'PATCH', `${path}/nope`, { toxicity: 0.5 }), 404, 'toxic not found');
    assertError(await api(server, 'POST', `${path}/nope`, { toxicity: 0.5 }), 404, 'toxic not found');
    assertError(await api(server, 'PATCH', `${path}/nope`, '{broken'), 404, 'toxic not found');
  });
});

describe('DELETE /proxies/{p}/toxics/{t}', () => {
  test('204 empty, then 404 on GET and DELETE; other toxics stay in order', async () => {
    const { name, path } = await freshProxy();
    for (const t of ['a', 'b', 'c']) await addToxic(server, name, { name: t, type: 'noop' });
    assertNoContent(await prompt('delete toxic', () => api(server, 'DELETE', `${path}/b`)));
    assertError(await api(server, 'GET', `${path}/b`), 404, 'toxic not found');
    assertError(await api(server, 'DELETE', `${path}/b`), 404, 'toxic not found');
    assert.deepEqual(((await api(server, 'GET', path)).json as Array<{ name: string }>).map((t) => t.name), ['a', 'c']);
    // The name is free again, and the new toxic goes to the end of the chain.
    assertJson(await api(server, 'POST', path, { name: 'b', type: 'latency' }), 200);
    assert.deepEqual(((await api(server, 'GET', path)).json as Array<{ name: string }>).map((t) => t.name), ['a', 'c', 'b']);
  });
});

describe('toxic changes on a proxy with live connections', () => {
  test('add, update and remove answer promptly and the connection keeps working', async () => {
    const { name, path, port } = await freshProxy();
    const socket = await client(port);
    await assertEchoes(socket, 'no toxics');
    await prompt('add', () => addToxic(server, name, { name: 'lat', type: 'latency', attributes: { latency: 20 } }));
    await prompt('add upstream', () => addToxic(server, name, { name: 'sl', type: 'slicer', stream: 'upstream', attributes: { average_size: 3 } }));
    const started = performance.now();
    await assertEchoes(socket, 'with latency');
    assert.ok(performance.now() - started >= 15, 'the latency toxic applies to the live connection');
    assertJson(await prompt('update', () => api(server, 'PATCH', `${path}/lat`, { attributes: { latency: 1 } })), 200);
    await assertEchoes(socket, 'after update');
    assertNoContent(await prompt('remove', () => api(server, 'DELETE', `${path}/lat`)));
    assertNoContent(await prompt('remove', () => api(server, 'DELETE', `${path}/sl`)));
    await assertEchoes(socket, 'after removal');
  });
});
