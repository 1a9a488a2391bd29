/**
 * Vaurien's behaviours and mix syntax (unit), and the `mix` toxic on an http proxy with real
 * HTTP requests against a real node:http upstream: its proportions under a seed, what each
 * behaviour does, and the 400s for a bad mix.
 */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, test } from 'node:test';
import { BEHAVIOR_NAMES, BEHAVIOR_OPTION_ATTRIBUTES, behaviorToxic, MixError, parseMix, type BehaviorSettings } from '../../src/api/behaviors.js';
import type { FaultRecord } from '../../src/api/faults.js';
import { attributeNames, defaultAttributes } from '../../src/api/toxic-types.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { httpRequest, startHttpUpstream, type HttpUpstream } from '../helpers/http.js';
import { addToxic, api, createProxy } from '../helpers/server.js';

let server: RunningServer;
let up: HttpUpstream;
let counter = 0;

before(async () => {
  server = await startServer({ port: 0, seed: 1234 });
  up = await startHttpUpstream();
});
after(async () => {
  await server.close();
  await up.close();
});

async function mixProxy(on: RunningServer, attributes: Record<string, unknown>, name = `vmix${++counter}`): Promise<{ name: string; port: number }> {
  const { port } = await createProxy(on, name, up.port, { protocol: 'http' });
  await addToxic(on, name, { type: 'mix', name: 'mix', attributes });
  return { name, port };
}

/** Sequential requests on one keep-alive connection: status of each, or `closed`. */
async function run(port: number, n: number): Promise<(number | 'closed')[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const out: (number | 'closed')[] = [];
    for (let i = 0; i < n; i++) {
      try {
        out.push((await httpRequest(port, { path: `/m${i}`, agent, timeoutMs: 10_000 })).status);
      } catch {
        out.push('closed');
      }
    }
    return out;
  } finally {
    agent.destroy();
  }
}

test('parseMix: Vaurien syntax, remainder to dummy, errors that name the problem', () => {
  assert.deepEqual(parseMix('20:delay,10:error'), [
    { percent: 20, name: 'delay' },
    { percent: 10, name: 'error' },
  ]);
  assert.deepEqual(parseMix(' 100:dummy '), [{ percent: 100, name: 'dummy' }]);
  assert.deepEqual(parseMix('blackout'), [{ percent: 100, name: 'blackout' }]);
  assert.throws(() => parseMix('60:delay,50:error'), (e: Error) => e instanceof MixError && /100 or less.*adds up to 110/.test(e.message));
  assert.throws(() => parseMix('20:slow'), /unknown behavior "slow"; valid behaviors: abort, blackout, delay, dummy, error, hang, transient/);
  assert.throws(() => parseMix('x:delay'), /invalid weight "x"/);
  assert.throws(() => parseMix('20.5:delay'), /invalid weight "20.5"/);
  assert.throws(() => parseMix('20:delay,'), /empty share/);
});

test('every Vaurien behaviour option is a mix attribute with Vaurien\'s default', () => {
  const names = attributeNames('mix');
  const defaults = defaultAttributes('mix');
  for (const { attribute, spec } of BEHAVIOR_OPTION_ATTRIBUTES) {
    assert.ok(names.includes(attribute), attribute);
    assert.equal(defaults[attribute], spec.default, attribute);
  }
  assert.deepEqual(BEHAVIOR_NAMES, ['abort', 'blackout', 'delay', 'dummy', 'error', 'hang', 'transient']);
});

test('behaviorToxic: each behaviour maps onto a built-in request-level toxic', () => {
  const s: BehaviorSettings = {
    delay_sleep: 0.25, delay_before: false, error_inject: false, error_warmup: 2,
    transient_agitate: 3, transient_inject: false, transient_warmup: 0, answer: { status: 502 },
  };
  assert.equal(behaviorToxic('dummy', s), null);
  assert.deepEqual(behaviorToxic('delay', s), { type: 'delay', attributes: { ms: 250, jitter: 0, where: 'response' } });
  assert.deepEqual(behaviorToxic('error', s), { type: 'error', attributes: { status: 502, after: 2 } });
  assert.deepEqual(behaviorToxic('hang', s), { type: 'hang', attributes: {} });
  assert.deepEqual(behaviorToxic('blackout', s), { type: 'abort', attributes: { reset: false, where: 'request' } });
  assert.deepEqual(behaviorToxic('abort', s), { type: 'abort', attributes: { reset: false, where: 'response' } });
  assert.deepEqual(behaviorToxic('transient', s), { type: 'error', attributes: { status: 502, first: 3 } });
});

test('a bad mix is a 400 naming attributes.behaviors and listing the valid names', async () => {
  const { port: _p } = await createProxy(server, 'vmix-bad', up.port, { protocol: 'http' });
  for (const [behaviors, pattern] of [
    ['20:delay,10:nope', /attributes\.behaviors: unknown behavior "nope"; valid behaviors: abort, blackout, delay, dummy, error, hang, transient/],
    ['70:delay,40:error', /attributes\.behaviors: the behavior total needs to be 100 or less/],
    ['-1:delay', /attributes\.behaviors: invalid weight "-1"/],
  ] as const) {
    const res = await api(server, 'POST', '/proxies/vmix-bad/toxics', { type: 'mix', attributes: { behaviors } });
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.error, pattern);
  }
  const res = await api(server, 'POST', '/proxies/vmix-bad/toxics', { type: 'mix', attributes: { behaviors: '10:delay', delay_sleap: 1 } });
  assert.equal(res.status, 400);
  assert.match(res.json.error, /attributes\.delay_sleap: mix has no such attribute/);
});

test('2,000 requests through "20:delay,10:error" fall in Vaurien\'s proportions', async (t) => {
  const { name, port } = await mixProxy(server, { behaviors: '20:delay,10:error', delay_sleep: 0.001 });
  const n = 2000;
  const results = await run(port, n);
  const faults = (await api(server, 'GET', `/proxies/${name}/faults`)).json as FaultRecord[];
  const delayed = faults.filter((f) => f.action === 'delayed the request 1 ms').length;
  const answered = faults.filter((f) => f.action === 'answered 503').length;
  const errors = results.filter((s) => s === 503).length;
  t.diagnostic(`seed 1234: ${delayed} delayed, ${errors} errors, ${n - delayed - errors} untouched of ${n}`);
  assert.equal(errors, answered, 'every error draw answered 503 and nothing else did');
  assert.equal(results.filter((s) => s !== 200 && s !== 503).length, 0);
  assert.equal(delayed + answered, faults.length);
  // Binomial(2000, p): sd is 17.9 for p = 0.2 and 13.4 for p = 0.1. ±4.5 sd (80 and 60) fails
  // a correct mix with probability under 1e-5 for any seed, and catches a share off by 4 points.
  assert.ok(Math.abs(delayed - 400) <= 80, `delayed ${delayed} of ${n}, expected 400 ± 80`);
  assert.ok(Math.abs(errors - 200) <= 60, `errors ${errors} of ${n}, expected 200 ± 60`);
  assert.ok(Math.abs(n - delayed - errors - 1400) <= 92, `untouched ${n - delayed - errors}, expected 1400 ± 92`);
});

test('the same seed draws the same behaviour for each request', async () => {
  const sequences: (number | 'closed')[][] = [];
  for (let i = 0; i < 2; i++) {
    const own = await startServer({ port: 0, seed: 99 });
    try {
      // The seed of a toxic's stream derives from the server's seed and the proxy's and toxic's names.
      const { port } = await mixProxy(own, { behaviors: '30:error' }, 'vmix-seeded');
      sequences.push(await run(port, 200));
    } finally {
      await own.close();
    }
  }
  assert.deepEqual(sequences[0], sequences[1]);
  const errors = sequences[0]?.filter((s) => s === 503).length ?? 0;
  assert.ok(errors > 30 && errors < 90, `${errors} errors of 200 at 30%`);
});

test('each behaviour at 100% does what Vaurien\'s did, in faultline\'s terms', async () => {
  // error with warmup: the first 2 pass, then the native error answer (HTTP: the status given).
  let p = await mixProxy(server, { behaviors: '100:error', error_warmup: 2, status: 502 });
  assert.deepEqual(await run(p.port, 4), [200, 200, 502, 502]);
  // transient: the first `agitate` fail, then it recovers.
  p = await mixProxy(server, { behaviors: '100:transient', transient_agitate: 2 });
  assert.deepEqual(await run(p.port, 4), [503, 503, 200, 200]);
  // blackout: nothing reaches the upstream; abort: the request does, the response does not.
  const seen = up.seen.length;
  p = await mixProxy(server, { behaviors: 'blackout' });
  assert.deepEqual(await run(p.port, 2), ['closed', 'closed']);
  assert.equal(up.seen.length, seen);
  p = await mixProxy(server, { behaviors: 'abort' });
  assert.deepEqual(await run(p.port, 1), ['closed']);
  assert.equal(up.seen.length, seen + 1);
  // delay: the request is held sleep seconds.
  p = await mixProxy(server, { behaviors: 'delay', delay_sleep: 0.3 });
  const t0 = performance.now();
  assert.deepEqual(await run(p.port, 1), [200]);
  assert.ok(performance.now() - t0 >= 290);
  // hang: no answer, the connection stays open.
  p = await mixProxy(server, { behaviors: 'hang' });
  await assert.rejects(httpRequest(p.port, { path: '/h', timeoutMs: 400 }), /timeout/);
  // dummy: everything passes.
  p = await mixProxy(server, {});
  assert.deepEqual(await run(p.port, 3), [200, 200, 200]);
});

test('an update changes the mix on live traffic, as PUT /behavior did', async () => {
  const { name, port } = await mixProxy(server, { behaviors: '100:dummy' });
  assert.deepEqual(await run(port, 2), [200, 200]);
  const res = await api(server, 'POST', `/proxies/${name}/toxics/mix`, { attributes: { behaviors: '100:error', status: 500 } });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(await run(port, 2), [500, 500]);
});
