import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { MAX_RUNS, type FaultlineEvent, type RunJson } from '../../src/api/index.js';
import { Faultline, FaultlineError } from '../../src/client/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { api, startTestServer } from '../helpers/server.js';

/** The run registry over real HTTP: what runners report and what the dashboard reads. */
let server: RunningServer;
let client: Faultline;

before(async () => {
  server = await startTestServer();
  client = new Faultline(server.url);
});
after(async () => {
  await server.close();
});

/** Reads `run` events from the real SSE stream until `count` have come. */
async function runEvents(count: number, during: () => Promise<void>): Promise<RunJson[]> {
  const ac = new AbortController();
  const res = await fetch(`${server.url}/events`, { headers: { 'User-Agent': 'faultline-tests' }, signal: ac.signal });
  assert.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const seen: RunJson[] = [];
  const reading = (async () => {
    let buffer = '';
    while (seen.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        const event = data === undefined ? undefined : (JSON.parse(data.slice(6)) as FaultlineEvent);
        if (event?.type === 'run') seen.push(event.run);
      }
    }
  })();
  await during();
  const timer = setTimeout(() => ac.abort(), 5000);
  await reading.catch(() => undefined);
  clearTimeout(timer);
  ac.abort();
  return seen;
}

test('a run is created, patched and listed; each change is a run event', async () => {
  let id = '';
  const events = await runEvents(3, async () => {
    const created = await api(server, 'POST', '/runs', { kind: 'experiment', name: 'checkout under latency', file: 'exp/checkout.yaml' });
    assert.equal(created.status, 201, created.text);
    id = created.json.id;
    assert.equal(created.json.status, 'running');
    const point = { t_ms: 1000, rate: 49.5, error_rate: 0.02, p50_ms: 3.1, p99_ms: 420, faults: ['latency on web'] };
    const patched = await api(server, 'PATCH', `/runs/${id}`, { phase: 'method', elapsed_ms: 1200, points: [point] });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.json.points, [point]);
    const ended = await client.updateRun(id, { status: 'failed', phase: 'done', reason: 'threshold tripped', elapsed_ms: 5100, points: [{ ...point, t_ms: 2000 }] });
    assert.equal(ended.status, 'failed');
    assert.equal(ended.points.length, 2, 'points are appended');
  });
  assert.deepEqual(events.map((r) => [r.id, r.status, r.phase]), [
    [id, 'running', null],
    [id, 'running', 'method'],
    [id, 'failed', 'done'],
  ]);
  const listed = (await client.runs()).find((r) => r.id === id);
  assert.equal(listed?.name, 'checkout under latency');
  assert.equal(listed?.file, 'exp/checkout.yaml');
  assert.equal(listed?.reason, 'threshold tripped');
  assert.equal(listed?.elapsed_ms, 5100);
});

test('matrix cells are replaced by row and feature, new ones added in order', async () => {
  const run = await client.createRun({ kind: 'matrix', name: 'shop', rows: ['Redis down', 'Redis slow'], features: ['Cart'] });
  assert.deepEqual([run.rows, run.features, run.file], [['Redis down', 'Redis slow'], ['Cart'], null]);
  await client.updateRun(run.id, { cells: [{ row: 'Redis down', feature: 'Cart', expected: 'Down', observed: 'Up', outcome: 'differs' }] });
  await client.updateRun(run.id, { cells: [{ row: 'Redis slow', feature: 'Cart', expected: 'Degraded', observed: 'Degraded', outcome: 'pass' }] });
  const last = await client.updateRun(run.id, { cells: [{ row: 'Redis down', feature: 'Cart', expected: 'Down', observed: 'Down', outcome: 'pass' }] });
  assert.deepEqual(last.cells.map((c) => [c.row, c.outcome]), [['Redis down', 'pass'], ['Redis slow', 'pass']]);
});

test('bad bodies are 400s that name the field', async () => {
  const cases: [string, string, unknown, RegExp][] = [
    ['POST', '/runs', { kind: 'load-test', name: 'x' }, /^bad request body: kind: expected one of experiment, matrix, got the string "load-test"$/],
    ['POST', '/runs', { kind: 'matrix' }, /^bad request body: name: expected a string, got nothing$/],
    ['POST', '/runs', { kind: 'matrix', name: '' }, /^bad request body: name: expected a non-empty string/],
    ['POST', '/runs', { kind: 'matrix', name: 'm', colour: 'red' }, /unknown field colour/],
    ['POST', '/runs', [1], /expected a JSON object/],
    ['POST', '/runs', 'nope', /^bad request body: /],
  ];
  const { id } = await client.createRun({ kind: 'experiment', name: 'for bad patches' });
  cases.push(
    ['PATCH', `/runs/${id}`, { status: 'exploded' }, /^bad request body: status: expected one of running, completed, failed, aborted, interrupted/],
    ['PATCH', `/runs/${id}`, { elapsed_ms: -1 }, /^bad request body: elapsed_ms: expected a number of milliseconds, 0 or more, got number -1$/],
    ['PATCH', `/runs/${id}`, { points: [{ t_ms: 0, rate: 1, error_rate: 2, p50_ms: null, p99_ms: null, faults: [] }] }, /^bad request body: points\[0\]\.error_rate: .*got number 2$/],
    ['PATCH', `/runs/${id}`, { cells: [{ row: 'r', feature: 'f', expected: 'Up', outcome: 'pass' }] }, /^bad request body: cells\[0\]\.observed: /],
  );
  for (const [method, path, body, message] of cases) {
    const res = await api(server, method, path, body);
    assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`);
    assert.match(JSON.parse(res.text).error, message, `${method} ${path} ${JSON.stringify(body)}`);
  }
  const missing = await api(server, 'PATCH', '/runs/999999', { status: 'completed' });
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.text).error, 'run not found');
  await assert.rejects(client.updateRun('999999', {}), (err: FaultlineError) => err.code === 'RUN_NOT_FOUND');
});

test(`only the last ${MAX_RUNS} runs are kept; a run that fell off answers 404`, async () => {
  const first = await client.createRun({ kind: 'experiment', name: 'cap 0' });
  for (let i = 1; i <= MAX_RUNS; i++) await client.createRun({ kind: 'experiment', name: `cap ${i}` });
  const runs = await client.runs();
  assert.equal(runs.length, MAX_RUNS);
  assert.deepEqual(runs.map((r) => r.name), Array.from({ length: MAX_RUNS }, (_, i) => `cap ${i + 1}`), 'oldest first, the oldest dropped');
  const gone = await api(server, 'PATCH', `/runs/${first.id}`, { status: 'completed' });
  assert.equal(gone.status, 404);
});

test('browsers are refused on /runs as on every API route; reset leaves runs alone', async () => {
  const res = await api(server, 'GET', '/runs', undefined, { 'User-Agent': 'Mozilla/5.0' });
  assert.equal(res.status, 403);
  const before = (await client.runs()).length;
  await client.reset();
  assert.equal((await client.runs()).length, before);
});

test('any JSON on POST /runs and PATCH /runs/{id}: a 201/200 or a 400 naming the body, never a 500', async () => {
  const { id } = await client.createRun({ kind: 'matrix', name: 'fuzzed' });
  const field = fc.constantFrom('kind', 'name', 'file', 'rows', 'features', 'status', 'phase', 'reason', 'elapsed_ms', 'points', 'cells', 'KIND', 'x');
  const body = fc.oneof(fc.jsonValue(), fc.dictionary(field, fc.jsonValue(), { maxKeys: 5 }));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('POST', 'PATCH'), body, async (method, value) => {
      const res = await api(server, method, method === 'POST' ? '/runs' : `/runs/${id}`, value);
      const where = `${method} ${JSON.stringify(value).slice(0, 120)}`;
      // A valid POST can push the patched run off the list of 20: then, and only then, a 404.
      if (res.status === 404) assert.ok(!(await client.runs()).some((r) => r.id === id), `${where}: 404 for a listed run`);
      else assert.ok([200, 201, 400].includes(res.status), `${where}: ${res.status} ${res.text}`);
      if (res.status === 400) assert.match(JSON.parse(res.text).error, /^bad request body: /, where);
    }),
    { numRuns: 300, seed: 13 },
  );
  assert.equal((await api(server, 'GET', '/runs')).status, 200);
});
