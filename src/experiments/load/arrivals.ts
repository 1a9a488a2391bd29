/**
 * When each request of an open-model run is due. Arrivals follow the planned rate whatever the
 * system under test does, so a slow response never delays the next request (no coordinated
 * omission). A stage moves the rate linearly from `from` to `to` over `ms`.
 */
export interface RateStage {
  from: number;
  to: number;
  ms: number;
}

export class ArrivalPlan {
  /** Arrivals due by the start of each stage. */
  private readonly before: number[] = [];
  private readonly starts: number[] = [];

  constructor(
    private readonly stages: readonly RateStage[],
    readonly durationMs: number,
  ) {
    let n = 0;
    let t = 0;
    for (const s of stages) {
      this.before.push(n);
      this.starts.push(t);
      n += ((s.from + s.to) / 2) * (s.ms / 1000);
      t += s.ms;
    }
  }

  static constant(rate: number, durationMs: number): ArrivalPlan {
    return new ArrivalPlan([{ from: rate, to: rate, ms: durationMs }], durationMs);
  }

  /** Ramps from 0 (k6's startRate) through each target, then holds the last one. */
  static ramped(stages: readonly { to: number; over: number }[], durationMs: number): ArrivalPlan {
    const list: RateStage[] = [];
    let from = 0;
    let t = 0;
    for (const s of stages) {
      list.push({ from, to: s.to, ms: s.over });
      from = s.to;
      t += s.over;
    }
    if (durationMs > t) list.push({ from, to: from, ms: durationMs - t });
    return new ArrivalPlan(list, durationMs);
  }

  /** The planned rate (requests/s) at `ms` into the run. */
  rateAt(ms: number): number {
    for (let i = 0; i < this.stages.length; i++) {
      const s = this.stages[i] as RateStage;
      const start = this.starts[i] as number;
      if (ms < start + s.ms) return s.from + ((s.to - s.from) * (ms - start)) / s.ms;
    }
    return this.stages.at(-1)?.to ?? 0;
  }

  /** The intended time (ms from the start) of arrival `n` (0-based); Infinity after the run. */
  timeOf(n: number): number {
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const before = this.before[i] as number;
      if (n < before) continue;
      const s = this.stages[i] as RateStage;
      const k = n - before;
      const a = s.from / 1000;
      const slope = (s.to - s.from) / 1000 / s.ms;
      // Solve a·t + slope·t²/2 = k for the time t into this stage.
      let t: number;
      if (Math.abs(slope) < 1e-15) t = a > 0 ? k / a : Infinity;
      else {
        const disc = a * a + 2 * slope * k;
        t = disc < 0 ? Infinity : (-a + Math.sqrt(disc)) / slope;
      }
      if (t > s.ms + 1e-9 && i < this.stages.length - 1) return Infinity;
      const at = (this.starts[i] as number) + t;
      return at < this.durationMs ? at : Infinity;
    }
    return Infinity;
  }
}
