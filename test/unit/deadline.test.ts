import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Deadline } from '../../src/toxics/deadline.js';

const run = promisify(execFile);
const deadlineModule = fileURLToPath(new URL('../../src/toxics/deadline.js', import.meta.url));

/** Timers fire late on a busy machine, never much early: the waker aims 0.1 ms early at most. */
const EARLY_MS = 0.2;
const LATE_MS = 100;

function fired(deadline: (callback: () => void) => Deadline, dueIn: number): Promise<{ error: number; count: number }> {
  return new Promise((resolve) => {
    let count = 0;
    const d = deadline(() => count++);
    const now = performance.now();
    d.at(now + dueIn, now);
    const check = setInterval(() => {
      if (count === 0) return;
      const error = performance.now() - (now + dueIn);
      // Wait a little more to see that it fires only once.
      setTimeout(() => {
        clearInterval(check);
        resolve({ error, count });
      }, 30);
    }, 0);
  });
}

for (const precise of [true, false]) {
  const kind = precise ? 'a precise' : 'a plain';

  test(`${kind} deadline fires once, at its due time`, async () => {
    const { count } = await fired((cb) => new Deadline(cb, precise), 20);
    assert.equal(count, 1);
  });

  test(`${kind} deadline armed for an earlier time moves to it; a later one is ignored`, async () => {
    const fires: number[] = [];
    const start = performance.now();
    const d = new Deadline(() => fires.push(performance.now() - start), precise);
    d.at(start + 80, start);
    d.at(start + 30, start);
    d.at(start + 60, start);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(fires.length, 1);
    assert.ok((fires[0] as number) >= 30 - 1.5 && (fires[0] as number) < 30 + LATE_MS, `fired at ${fires[0]} ms, armed for 30`);
  });

  test(`${kind} deadline that is cancelled does not fire, and can be armed again`, async () => {
    let count = 0;
    const d = new Deadline(() => count++, precise);
    const now = performance.now();
    d.at(now + 10, now);
    d.cancel();
    assert.equal(d.armed, false);
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(count, 0);
    d.restart(5, performance.now());
    assert.equal(d.armed, true);
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(count, 1);
    assert.equal(d.armed, false);
  });
}

test('a precise deadline is never more than a fraction of a millisecond early', async () => {
  for (const dueIn of [0.5, 1, 3, 10, 25]) {
    const { error } = await fired((cb) => new Deadline(cb, true), dueIn);
    assert.ok(error >= -EARLY_MS, `due in ${dueIn} ms, fired ${(-error).toFixed(3)} ms early`);
    assert.ok(error < LATE_MS, `due in ${dueIn} ms, fired ${error.toFixed(1)} ms late`);
  }
});

test('many precise deadlines each fire once, in the order they are due', async () => {
  const order: number[] = [];
  const start = performance.now();
  const dues = [17, 3, 11, 3.5, 29, 7, 23, 13, 5, 19];
  const deadlines = dues.map((due, k) => {
    const d = new Deadline(() => order.push(k), true);
    d.at(start + due, start);
    return d;
  });
  // One cancelled on the way: its slot must not wake anything.
  (deadlines[4] as Deadline).cancel();
  await new Promise((r) => setTimeout(r, 100));
  const expected = dues
    .map((due, k) => ({ due, k }))
    .filter(({ k }) => k !== 4)
    .sort((a, b) => a.due - b.due)
    .map(({ k }) => k);
  assert.deepEqual(order, expected);
});

test('the waker thread does not keep a process alive, and FAULTLINE_FINE_TIMERS=0 falls back to setTimeout', async () => {
  const script = `
    const { Deadline } = await import(${JSON.stringify(deadlineModule)});
    const start = performance.now();
    const d = new Deadline(() => console.log(JSON.stringify({ after: performance.now() - start })), true);
    d.at(start + 20, start);
  `;
  for (const env of [{}, { FAULTLINE_FINE_TIMERS: '0' }]) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, timeout: 10_000 });
    const { after } = JSON.parse(stdout) as { after: number };
    assert.ok(after >= 20 - 1.5 && after < 20 + LATE_MS, `fired after ${after} ms, armed for 20 (${JSON.stringify(env)})`);
  }
});
