/**
 * setTimeout's ceiling. A longer wait (latency + jitter can reach twice this) is not held by
 * Node: it fires after 1 ms with a warning, and a stage re-arming for the same due time would spin.
 */
const MAX_TIMER_MS = 2_147_483_647;

/** How early a due item may be released when a timer wakes just before its time. */
export const EARLY_MS = 0.5;

/**
 * One re-armable timer for a stage: armed for the earliest due time only, never one timer per
 * chunk. The callback is bound once, so re-arming allocates no closure.
 */
export class Deadline {
  private timer: NodeJS.Timeout | null = null;
  private dueAt = Infinity;
  /** What is left of a wait longer than one timer can hold. */
  private remaining = 0;
  private readonly fire: () => void;

  constructor(callback: () => void) {
    this.fire = () => {
      if (this.remaining > 0) {
        this.arm(this.remaining);
        return;
      }
      this.timer = null;
      this.dueAt = Infinity;
      callback();
    };
  }

  get armed(): boolean {
    return this.timer !== null;
  }

  /** Arms for `dueAt` (performance.now() ms) unless already armed for that time or earlier. */
  at(dueAt: number, now: number): void {
    if (this.timer !== null) {
      if (this.dueAt <= dueAt) return;
      clearTimeout(this.timer);
    }
    this.dueAt = dueAt;
    // Timers count whole milliseconds from libuv's loop clock, which lags real time by the
    // work done since the loop woke: rounding up made every wake-up late by ~0.75 ms at the
    // median. Rounding to nearest centres the error; a stage that wakes a little early
    // releases what is due within EARLY_MS, or re-arms for the rest.
    this.arm(Math.max(0, Math.round(dueAt - now)));
  }

  private arm(ms: number): void {
    const step = Math.min(ms, MAX_TIMER_MS);
    this.remaining = ms - step;
    this.timer = setTimeout(this.fire, step);
  }

  /** Arms `ms` from now, replacing any earlier arming (idle timers restart on activity). */
  restart(ms: number, now: number): void {
    this.cancel();
    this.at(now + ms, now);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = Infinity;
    this.remaining = 0;
  }
}
