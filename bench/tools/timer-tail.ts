import { performance } from 'node:perf_hooks';
import { Deadline } from '../../src/toxics/deadline.js';
import { percentile } from '../lib/stats.js';

/**
 * The Node side of bench/reference/timer-wake.c: twenty 100 ms deadlines, 5 ms apart, each
 * re-armed when it fires, COUNT fires in all; prints the share of fires more than 1 and 2 ms
 * late and the lateness percentiles in ms, in the same JSON as the C program. `precise` is the
 * latency stage's Deadline (waker thread), `plain` a rounded setTimeout (which may fire up to
 * ~1 ms early, so its share over 1 ms reads a little low). Run it as the C program is run: in a
 * session of its own, beside two busy loops in theirs (docs/performance.md, scenario 13).
 *
 *   setsid -w node dist/bench/tools/timer-tail.js precise 4000
 */
const TIMERS = 20;
const DELAY_MS = 100;
const APART_MS = 5;

const [kind = '', countText = '4000'] = process.argv.slice(2);
const count = Number(countText);
if ((kind !== 'precise' && kind !== 'plain') || !Number.isInteger(count) || count <= 0) {
  process.stderr.write('usage: timer-tail.js precise|plain [COUNT]\n');
  process.exit(2);
}

const late = new Float64Array(count);
let recorded = 0;
await new Promise<void>((resolve) => {
  for (let k = 0; k < TIMERS; k++) {
    let due = 0;
    const deadline = new Deadline(() => {
      const now = performance.now();
      if (recorded >= count) return;
      late[recorded++] = now - due;
      if (recorded === count) resolve();
      else deadline.at((due = now + DELAY_MS), now);
    }, kind === 'precise');
    const now = performance.now();
    deadline.at((due = now + DELAY_MS + k * APART_MS), now);
  }
});
late.sort();
const share = (ms: number): number => Number(((100 * late.filter((l) => l > ms).length) / count).toFixed(2));
const at = (p: number): number => Number(percentile(late, p).toFixed(3));
process.stdout.write(`${JSON.stringify({ over1ms: share(1), over2ms: share(2), p50: at(50), p99: at(99), max: at(100) })}\n`);
process.exit(0);
