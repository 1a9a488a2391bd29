import { parentPort, workerData } from 'node:worker_threads';

/**
 * The waker's thread: sleeps until the due time the main thread last published, to the
 * microsecond, then posts one message, which wakes the main event loop at once (a MessagePort
 * signals libuv through an async handle). It then sleeps until a new due time is published.
 *
 * Shared layout: `seq` (Int32 at 0) counts publications and is what both sides wait on; `due`
 * (Float64 at 8) is the due time in ms of the monotonic clock behind `process.hrtime`, which
 * every thread of the process shares. Infinity means nothing is due.
 */
const shared = workerData as SharedArrayBuffer;
const seq = new Int32Array(shared, 0, 1);
const due = new Float64Array(shared, 8, 1);
const port = parentPort;
/**
 * How much earlier than the due time the thread posts: its own wake-up from Atomics.wait and
 * the message's trip to the main loop each take about a tenth of a millisecond or more here.
 * A main thread woken too early finds nothing due and publishes the same time again; the second
 * try aims at the due time itself (less RETRY_LEAD_MS), so early wake-ups cost one more trip,
 * not a ping-pong until the due time.
 */
const LEAD_MS = 0.25;
const RETRY_LEAD_MS = 0.02;

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

if (port !== null) {
  // The first message says the loop runs: 'online' comes before this module has even loaded.
  port.postMessage(null);
  let posted = NaN;
  for (;;) {
    const published = Atomics.load(seq, 0);
    const at = due[0] as number;
    if (at === Infinity) {
      Atomics.wait(seq, 0, published);
      continue;
    }
    const wait = at - (at === posted ? RETRY_LEAD_MS : LEAD_MS) - nowMs();
    if (wait > 0 && Atomics.wait(seq, 0, published, wait) !== 'timed-out') continue;
    posted = at;
    port.postMessage(null);
    // One message per publication: a main thread slow to answer gets no flood.
    Atomics.wait(seq, 0, published);
  }
}
