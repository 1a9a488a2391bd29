import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoadStats } from '../../src/experiments/load/stats.js';
import { ThresholdBoard } from '../../src/experiments/thresholds/evaluate.js';
import { parseThreshold, ThresholdSyntaxError } from '../../src/experiments/thresholds/parse.js';

test('parses the issue examples into metric, operator, value in base units and window', () => {
  assert.deepEqual(parseThreshold('error_rate > 5% over 10s'), { source: 'error_rate > 5% over 10s', metric: { kind: 'error_rate' }, op: '>', value: 0.05, ofBaseline: false, windowMs: 10_000 });
  assert.deepEqual(parseThreshold('p99 > 800ms'), { source: 'p99 > 800ms', metric: { kind: 'latency', stat: 'percentile', percentile: 99 }, op: '>', value: 800, ofBaseline: false });
  assert.equal(parseThreshold('failed_requests > 10 over 1m').windowMs, 60_000);
  const t = parseThreshold('throughput < 50% of baseline');
  assert.equal(t.ofBaseline, true);
  assert.equal(t.value, 0.5);
  assert.equal(parseThreshold('p(99.9) >= 1.5s over 30s').value, 1500);
  assert.equal(parseThreshold('med<20').metric.kind, 'latency');
  assert.equal(parseThreshold('error_rate >= 0.1').value, 0.1);
});

test('a syntax error names the character where it went wrong and what was expected', () => {
  const cases: [string, number, RegExp][] = [
    ['p99 >> 800ms', 6, /expected a number/],
    ['latency > 5ms', 1, /expected a metric/],
    ['p99 > 800 parsecs', 11, /expected a unit: ms or s/],
    ['error_rate > 5ms', 15, /percentage \(5%\) or a fraction/],
    ['error_rate > 5', 15, /fraction from 0 to 1/],
    ['failed_requests > 10 over', 26, /window such as 10s/],
    ['failed_requests > 10 over 1m please', 30, /expected the end/],
    ['p150 > 1s', 1, /percentile from 0 to 100/],
    ['throughput < 50 of baseline', 17, /percentage before "of baseline"/],
    ['p99 800ms', 5, /an operator/],
  ];
  for (const [source, at, message] of cases) {
    assert.throws(() => parseThreshold(source), (err: unknown) => {
      assert.ok(err instanceof ThresholdSyntaxError, source);
      assert.equal(err.position + 1, at, `${source}: ${err.message}`);
      assert.match(err.message, message);
      assert.match(err.message, new RegExp(`at character ${at}:`));
      return true;
    });
  }
});

/** A synthetic run: `perSecond[i]` = [ok, failed, latency ms] completed in second i. */
function series(perSecond: [number, number, number][]): LoadStats {
  const stats = new LoadStats();
  perSecond.forEach(([ok, failed, ms], second) => {
    for (let i = 0; i < ok + failed; i++) {
      const at = second * 1000 + (i * 1000) / (ok + failed);
      stats.noteOffered(at - ms, false);
      stats.noteDone(at, ms, ms, i < ok, i < ok ? '200' : '503', false);
    }
  });
  return stats;
}

test('windows slide: failures older than the window no longer count', () => {
  const stats = series([
    [10, 8, 5],
    [10, 0, 5],
    [10, 0, 5],
    [10, 4, 5],
  ]);
  const board = new ThresholdBoard(['failed_requests > 10 over 2s', 'failed_requests > 10', 'error_rate > 25% over 1s']);
  const tripped = board.evaluate({ now: 3999, load: stats, probes: [] });
  // 4 failures in the last 2 s do not trip; 12 over the run do; 4 of 14 in the last second is 28.6 %.
  assert.deepEqual(tripped.map((t) => t.threshold.source), ['failed_requests > 10', 'error_rate > 25% over 1s']);
  assert.match(board.states[0]?.message ?? '', /^4 over the last 2s/);
});

test('latency percentiles over a window, and throughput against the baseline before the first fault', () => {
  const stats = series([
    [100, 0, 10],
    [100, 0, 10],
    [100, 0, 10],
    [40, 0, 900],
    [40, 0, 900],
  ]);
  const board = new ThresholdBoard(['p99 > 800ms over 2s', 'p50 > 100ms', 'throughput < 50% of baseline over 2s']);
  // Before the baseline is known, the relative threshold waits.
  assert.deepEqual(board.evaluate({ now: 4999, load: stats, probes: [] }).map((t) => t.threshold.source), ['p99 > 800ms over 2s']);
  assert.equal(board.states[2]?.tripped, false);
  assert.match(board.states[2]?.message ?? '', /waiting for a baseline/);
  const tripped = board.evaluate({ now: 4999, load: stats, probes: [], baseline: { from: 0, to: 3000 } });
  assert.deepEqual(tripped.map((t) => t.threshold.source), ['throughput < 50% of baseline over 2s']);
  assert.ok(Math.abs((board.states[0]?.value ?? 0) - 900) < 5);
  assert.ok(Math.abs((board.states[2]?.limit ?? 0) - 50) < 1, `baseline 100 rps → limit 50, got ${board.states[2]?.limit}`);
  assert.equal(board.states[1]?.tripped, false, 'the median over the run is still 10 ms');
});

test('probe failures count in a window; `after` delays judgement; tripped thresholds stay tripped', () => {
  const board = new ThresholdBoard([{ expr: 'probe_failures > 1 over 5s', abort: true, after: 2000 }]);
  const marks = [
    { at: 500, ok: false },
    { at: 1500, ok: false },
    { at: 2500, ok: true },
  ];
  assert.deepEqual(board.evaluate({ now: 1900, probes: marks }), []);
  assert.equal(board.evaluate({ now: 2600, probes: marks }).length, 1);
  assert.equal(board.evaluate({ now: 9000, probes: marks }).length, 0);
  assert.equal(board.states[0]?.tripped, true);
});
