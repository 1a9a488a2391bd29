/**
 * setTimeout's ceiling. A longer wait (latency + jitter can reach twice this) is not held by
 * Node: it fires after 1 ms with a warning, and a stage re-arming for the same due time would spin.
 */
const MAX_TIMER_MS = 2_147_483_647;

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
    // Timers have millisecond resolution and never fire early; rounding up keeps us from
    // waking a fraction of a millisecond before the due time and spinning.
    this.arm(Math.max(0, Math.ceil(dueAt - now)));
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
