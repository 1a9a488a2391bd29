/**
 * One re-armable timer for a stage: armed for the earliest due time only, never one timer per
 * chunk. The callback is bound once, so re-arming allocates no closure.
 */
export class Deadline {
  private timer: NodeJS.Timeout | null = null;
  private dueAt = Infinity;
  private readonly fire: () => void;

  constructor(callback: () => void) {
    this.fire = () => {
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
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(dueAt - now)));
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
  }
}
