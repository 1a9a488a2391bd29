import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/**
 * Wakes the main thread at a due time to within about a tenth of a millisecond, where a
 * `setTimeout` is up to ~1.2 ms late: Node counts timers in whole milliseconds of a loop clock
 * that lags real time. A `Deadline` sleeps on an ordinary timer until it is within
 * `FINE_WINDOW_MS` of its due time and then hands the rest to the waker.
 *
 * The waker is one worker thread, started on first use, that sleeps on `Atomics.wait` (which
 * takes fractional milliseconds) and posts a message when the earliest due time arrives. It
 * neither spins nor keeps the process alive while nothing is waiting. If the thread cannot be
 * started, due items fall back to `setTimeout`.
 */

export interface Wakeable {
  readonly dueAt: number;
  wake(): void;
}

/** How long before its due time a Deadline hands over from `setTimeout` to the waker. */
export const FINE_WINDOW_MS = 2;

/** An item due within this much of now is woken: closer than the waker can aim. */
export const EARLY_MS = 0.1;

/**
 * performance.now() and process.hrtime() read the same monotonic clock from different origins.
 * One pair of reads could straddle a pause of the thread and skew every due time the waker is
 * given, so the offset comes from the tightest of several bracketed reads.
 */
function clockOffset(): number {
  let best = Infinity;
  let offset = 0;
  for (let i = 0; i < 16; i++) {
    const before = performance.now();
    const hr = Number(process.hrtime.bigint()) / 1e6;
    const after = performance.now();
    if (after - before < best) {
      best = after - before;
      offset = hr - (before + after) / 2;
    }
  }
  return offset;
}

const hrOffset = clockOffset();

function byDueTime(a: Wakeable, b: Wakeable): number {
  return a.dueAt - b.dueAt;
}

class Waker {
  private readonly waiting = new Set<Wakeable>();
  private earliest = Infinity;
  private worker: Worker | null = null;
  private seq: Int32Array | null = null;
  private sharedDue: Float64Array | null = null;
  private ready = false;
  private reffed = false;
  private failed = process.env.FAULTLINE_FINE_TIMERS === '0';
  private fallback: NodeJS.Timeout | null = null;
  /** Reused by every wake-up, so waking allocates nothing. */
  private readonly dueNow: Wakeable[] = [];
  private readonly tick = (): void => this.fire();

  /** Starts the thread ahead of need: it takes tens of milliseconds to load. */
  prepare(): void {
    if (!this.failed && this.worker === null) this.start();
  }

  add(item: Wakeable): void {
    this.waiting.add(item);
    if (item.dueAt < this.earliest) this.publish(item.dueAt);
  }

  delete(item: Wakeable): void {
    if (!this.waiting.delete(item)) return;
    if (this.waiting.size === 0) this.publish(Infinity);
  }

  /**
   * Wakes `item`, which its own timer found due, after whatever the waker holds that fell due
   * before it. A loop that stalls past several due times runs its timers before it reads the
   * thread's message, and would otherwise wake a later deadline ahead of an earlier one.
   */
  wakeLate(item: Wakeable): void {
    if (this.earliest > item.dueAt) {
      item.wake();
      return;
    }
    this.waiting.add(item);
    this.fire();
  }

  /**
   * Wakes what is due, earliest first; a wake-up that comes late may find several due. If a
   * callback throws, the rest stay in the set and the next publication wakes them.
   */
  private fire(): void {
    const now = performance.now();
    const due = this.dueNow;
    for (const item of this.waiting) {
      if (item.dueAt <= now + EARLY_MS) due.push(item);
    }
    if (due.length > 1) due.sort(byDueTime);
    try {
      for (const item of due) {
        // Still due and still waiting: an earlier callback may have cancelled or re-armed it.
        if (item.dueAt <= now + EARLY_MS && this.waiting.delete(item)) item.wake();
      }
    } finally {
      due.length = 0;
      // Woken items may have added themselves again; the next publication covers them.
      let next = Infinity;
      for (const item of this.waiting) if (item.dueAt < next) next = item.dueAt;
      this.publish(next);
    }
  }

  /** How due times are being kept: on the thread, on setTimeout, or not yet decided. */
  get mode(): 'thread' | 'fallback' | 'starting' {
    if (this.failed) return 'fallback';
    return this.ready ? 'thread' : 'starting';
  }

  private publish(at: number): void {
    this.earliest = at;
    this.prepare();
    if (this.failed || !this.ready) {
      if (this.fallback !== null) clearTimeout(this.fallback);
      this.fallback = at === Infinity ? null : setTimeout(this.tick, Math.max(0, Math.round(at - performance.now())));
      return;
    }
    const worker = this.worker as Worker;
    // Only while something waits does the thread keep the process alive.
    if ((at !== Infinity) !== this.reffed) {
      this.reffed = at !== Infinity;
      if (this.reffed) worker.ref();
      else worker.unref();
    }
    (this.sharedDue as Float64Array)[0] = at === Infinity ? Infinity : at + hrOffset;
    Atomics.add(this.seq as Int32Array, 0, 1);
    // Nothing due needs no wake-up: a thread still sleeping towards a cancelled time posts once
    // for nothing, and one that has posted already waits for the next publication. Waking it
    // after every release cost a thread wake-up each, on a busy machine a wait for the CPU too.
    if (at !== Infinity) Atomics.notify(this.seq as Int32Array, 0);
  }

  private start(): void {
    try {
      const shared = new SharedArrayBuffer(16);
      this.seq = new Int32Array(shared, 0, 1);
      this.sharedDue = new Float64Array(shared, 8, 1);
      this.sharedDue[0] = Infinity;
      // No execArgv: the main thread's flags (--input-type, --cpu-prof, …) are not the thread's.
      const worker = new Worker(new URL('./waker-thread.js', import.meta.url), { workerData: shared, execArgv: [] });
      worker.once('message', () => {
        this.ready = true;
        if (this.fallback !== null) clearTimeout(this.fallback);
        this.fallback = null;
        worker.on('message', this.tick);
        // A 'message' listener refs the port; the publication below settles it either way.
        this.reffed = true;
        this.publish(this.earliest);
      });
      worker.once('error', () => this.fail());
      worker.once('exit', () => this.fail());
      worker.unref();
      this.worker = worker;
    } catch {
      this.fail();
    }
  }

  private fail(): void {
    this.failed = true;
    this.ready = false;
    this.worker = null;
    this.publish(this.earliest);
  }
}

export const waker = new Waker();
