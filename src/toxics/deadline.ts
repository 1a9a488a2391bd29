import { performance } from 'node:perf_hooks';
import { EARLY_MS, FINE_WINDOW_MS, waker, type Wakeable } from './waker.js';

/**
 * setTimeout's ceiling. A longer wait (latency + jitter can reach twice this) is not held by
 * Node: it fires after 1 ms with a warning, and a stage re-arming for the same due time would spin.
 */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One re-armable timer for a stage: armed for the earliest due time only, never one timer per
 * chunk. The callbacks are bound once, so re-arming allocates no closure.
 *
 * A plain Deadline rounds its wait to the nearest millisecond and is up to ~1.2 ms late at
 * worst: right for stages that keep their own account of time (bandwidth) or fire once
 * (timeout, reset_peer, slow_close). A `precise` one sleeps on `setTimeout` until it is within
 * FINE_WINDOW_MS of its due time and then on the waker, which aims at the due time itself: for
 * the latency stage, whose whole job is a delay. It costs a message from the waker's thread per
 * wake-up, so it is not the default (the slicer, with sub-millisecond delays kept on average,
 * would wake it thousands of times a second).
 */
export class Deadline implements Wakeable {
  private timer: NodeJS.Timeout | null = null;
  private fine = false;
  /** The last timer was cut short by setTimeout's ceiling. */
  private capped = false;
  dueAt = Infinity;
  private readonly callback: () => void;
  private readonly coarseFired: () => void;

  constructor(
    callback: () => void,
    private readonly precise = false,
  ) {
    if (precise) waker.prepare();
    this.callback = callback;
    this.coarseFired = () => {
      this.timer = null;
      const now = performance.now();
      // A precise Deadline whose timer fired at or past its due time (a busy machine wakes us
      // late) wakes now: through the waker it would wait for two more wake-ups, its thread's
      // and then ours, each of which a busy machine delays again.
      if (this.capped || (this.precise && this.dueAt > now + EARLY_MS)) this.sleep(now);
      else if (this.precise) {
        // Counted as the waker's while it is woken, so a callback woken before it that
        // cancels or re-arms it takes it out of the waker's hands.
        this.fine = true;
        waker.wakeLate(this);
      } else this.wake();
    };
  }

  get armed(): boolean {
    return this.timer !== null || this.fine;
  }

  /** Arms for `dueAt` (performance.now() ms) unless already armed for that time or earlier. */
  at(dueAt: number, now: number): void {
    // A NaN would compare false everywhere and keep a timer polling forever: due now instead.
    if (Number.isNaN(dueAt)) dueAt = now;
    if (this.armed) {
      if (this.dueAt <= dueAt) return;
      this.disarm();
    }
    this.dueAt = dueAt;
    this.sleep(now);
  }

  private sleep(now: number): void {
    const wait = this.dueAt - now;
    // Timers count whole milliseconds from libuv's loop clock, which lags real time by the
    // work done since the loop woke: rounding up made every wake-up late by ~0.75 ms at the
    // median, and rounding to nearest centres the error.
    const ms = this.precise ? Math.floor(wait - FINE_WINDOW_MS) : Math.max(0, Math.round(wait));
    if (this.precise && ms <= 0) {
      this.fine = true;
      waker.add(this);
      return;
    }
    this.capped = ms > MAX_TIMER_MS;
    this.timer = setTimeout(this.coarseFired, this.capped ? MAX_TIMER_MS : ms);
  }

  /** The due time has come. */
  wake(): void {
    this.fine = false;
    this.dueAt = Infinity;
    this.callback();
  }

  /** Arms `ms` from now, replacing any earlier arming (idle timers restart on activity). */
  restart(ms: number, now: number): void {
    this.cancel();
    this.at(now + ms, now);
  }

  cancel(): void {
    this.disarm();
    this.dueAt = Infinity;
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.fine) waker.delete(this);
    this.fine = false;
  }
}
