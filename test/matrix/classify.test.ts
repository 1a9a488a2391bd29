import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProbeResult } from '../../src/experiments/probes.js';
import { checkMatrix, classify, combine, rowsOf, worst, type MatrixInput } from '../../src/matrix/index.js';

/** Classification on recorded probe results: what the runner saw, judged without a network. */
const at = new Date('2026-01-01T00:00:00Z');
const later = (ms: number): Date => new Date(at.getTime() + ms);

function http(status: number, headers: Record<string, string> = {}, body = 'ok', latency = 20): ProbeResult {
  return { ok: true, detail: `status ${status}`, output: { status, headers, body, latency_ms: latency }, start: at, end: later(latency) };
}
const failed = (detail: string): ProbeResult => ({ ok: false, detail, output: { status: 503, headers: {}, body: 'unavailable', latency_ms: 3 }, start: at, end: later(3) });
const couldNotRun = (detail: string): ProbeResult => ({ ok: false, detail, output: null, error: detail, start: at, end: later(2000) });

test('a probe that fails its own checks, times out or cannot run is Down, with the reason', () => {
  assert.deepEqual(classify(failed('status 503, expected 200'), []), { state: 'Down', reason: 'status 503, expected 200' });
  assert.deepEqual(classify(couldNotRun('timed out'), [{ header: { name: 'x-degraded' } }]), { state: 'Down', reason: 'timed out' });
  // A marker never rescues a failing answer: a 503 carrying x-degraded is still Down.
  assert.equal(classify({ ...failed('status 503'), output: { status: 503, headers: { 'x-degraded': 'yes' }, body: '', latency_ms: 1 } }, [{ header: { name: 'x-degraded' } }]).state, 'Down');
});

test('a passing answer with none of the markers is Up', () => {
  assert.deepEqual(classify(http(200), [{ header: { name: 'x-degraded' }, body_matches: 'stale', slower_than: 500, status: 203 }]), { state: 'Up', reason: 'status 200' });
  assert.equal(classify(http(200), []).state, 'Up');
  assert.equal(classify(http(200), [undefined]).state, 'Up');
});

test('each kind of marker makes a passing answer Degraded, and says which', () => {
  assert.deepEqual(classify(http(203), [{ status: 203 }]), { state: 'Degraded', reason: 'status 203' });
  assert.deepEqual(classify(http(200, { 'x-degraded': 'stale-catalogue' }), [{ header: { name: 'X-Degraded' } }]), { state: 'Degraded', reason: 'header X-Degraded: stale-catalogue' });
  assert.equal(classify(http(200, { 'x-served-by': 'primary' }), [{ header: { name: 'x-served-by', matches: '^replica' } }]).state, 'Up');
  assert.equal(classify(http(200, { 'x-served-by': 'replica-2' }), [{ header: { name: 'x-served-by', matches: '^replica' } }]).state, 'Degraded');
  assert.deepEqual(classify(http(200, {}, '<p>Recommendations are unavailable</p>'), [{ body_matches: 'unavailable' }]), { state: 'Degraded', reason: 'body matches /unavailable/' });
  assert.deepEqual(classify(http(200, {}, 'ok', 900), [{ slower_than: 500 }]), { state: 'Degraded', reason: 'took 900 ms, more than 500 ms' });
  assert.equal(classify(http(200, {}, 'ok', 400), [{ slower_than: 500 }]).state, 'Up');
  const cmd: ProbeResult = { ok: true, detail: 'exit status 0', output: { status: 0, stdout: 'served from cache\n', stderr: '' }, start: at, end: later(1200) };
  assert.deepEqual(classify(cmd, [{ stdout_matches: 'from cache' }]), { state: 'Degraded', reason: 'output matches /from cache/' });
  assert.deepEqual(classify(cmd, [{ slower_than: 1000 }]), { state: 'Degraded', reason: 'took 1200 ms, more than 1000 ms' });
  // The probe's markers and the feature's both count.
  assert.equal(classify(http(200, {}, 'stale'), [undefined, { body_matches: 'stale' }]).state, 'Degraded');
});

test('several answers (probes × repeats): the worst decides, with its first reason', () => {
  assert.equal(worst([]), 'Up');
  assert.equal(worst(['Up', 'Degraded', 'Up']), 'Degraded');
  assert.equal(worst(['Degraded', 'Down', 'Up']), 'Down');
  assert.deepEqual(
    combine([
      { state: 'Up', reason: 'a' },
      { state: 'Degraded', reason: 'b' },
      { state: 'Degraded', reason: 'c' },
    ]),
    { state: 'Degraded', reason: 'b' },
  );
});

test('rows: a dependency that only goes down is labelled by name; failure modes add theirs', () => {
  const input: MatrixInput = {
    title: 't',
    servers: [{ url: 'http://127.0.0.1:1' }],
    features: [{ name: 'F', probes: [{ http: { url: 'http://127.0.0.1:2/' } }] }],
    dependencies: [
      { name: 'MySQL', proxy: 'mysql' },
      { name: 'Redis', proxies: ['redis-a', 'redis-b'], failures: ['down', { latency: '1s', jitter: '100ms' }, { timeout: '0s' }, { name: 'reset', toxic: { type: 'reset_peer', attributes: { timeout: 0 } } }] },
    ],
    expect: {
      MySQL: { F: 'Up' },
      'Redis down': { F: 'Up' },
      'Redis slow': { F: 'Up' },
      'Redis timeout': { F: 'Up' },
      'Redis reset': { F: 'Up' },
    },
  };
  const rows = rowsOf(checkMatrix(input));
  assert.deepEqual(
    rows.map((r) => [r.label, r.explain]),
    [
      ['MySQL', 'proxy mysql down'],
      ['Redis down', 'proxies redis-a, redis-b down'],
      ['Redis slow', 'latency 1000 ms ± 100 ms on redis-a, redis-b'],
      ['Redis timeout', 'timeout 0 ms on redis-a, redis-b'],
      ['Redis reset', 'reset_peer {"timeout":0} (downstream) on redis-a, redis-b'],
    ],
  );
  const slow = rows[2]?.actions[1];
  assert.deepEqual(slow, { kind: 'toxic', fault: { server: undefined, proxy: 'redis-b', type: 'latency', name: 'matrix-redis-slow', stream: 'downstream', toxicity: 1, attributes: { latency: 1000, jitter: 100 } } });
});
