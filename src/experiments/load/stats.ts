import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/**
 * Load results per second of the run, so thresholds can look at a sliding window and reports
 * can draw series. Latencies go into HDR histograms (Node's, backed by HdrHistogram_c) in
 * microseconds, 3 significant digits.
 */
export interface Bucket {
  /** Requests due in this second (sent or dropped): the offered load. */
  offered: number;
  dropped: number;
  /** Responses and failures completed in this second. */
  completed: number;
  failed: number;
  timeouts: number;
  latency: RecordableHistogram;
}

export interface WindowView {
  spanMs: number;
  offered: number;
  dropped: number;
  completed: number;
  failed: number;
  timeouts: number;
  latency: RecordableHistogram;
}

const histogram = (): RecordableHistogram => createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });

export class LoadStats {
  readonly buckets: Bucket[] = [];
  /** From the intended send time: what a user waits (the SLO figure). */
  readonly responseTime = histogram();
  /** From the actual send: what the system under test took. */
  readonly serviceTime = histogram();
  readonly statuses = new Map<string, number>();
  offered = 0;
  sent = 0;
  dropped = 0;
  completed = 0;
  failed = 0;
  timeouts = 0;

  /** `at` in ms since the run's start. */
  bucket(at: number): Bucket {
    const i = Math.max(0, Math.floor(at / 1000));
    while (this.buckets.length <= i) {
      this.buckets.push({ offered: 0, dropped: 0, completed: 0, failed: 0, timeouts: 0, latency: histogram() });
    }
    return this.buckets[i] as Bucket;
  }

  noteOffered(intended: number, dropped: boolean): void {
    const b = this.bucket(intended);
    b.offered++;
    this.offered++;
    if (dropped) {
      b.dropped++;
      this.dropped++;
    } else this.sent++;
  }

  noteDone(at: number, responseMs: number, serviceMs: number, ok: boolean, status: string, timeout: boolean): void {
    const b = this.bucket(at);
    b.completed++;
    this.completed++;
    if (!ok) {
      b.failed++;
      this.failed++;
    }
    if (timeout) {
      b.timeouts++;
      this.timeouts++;
    }
    const us = Math.max(1, Math.round(responseMs * 1000));
    b.latency.record(us);
    this.responseTime.record(us);
    this.serviceTime.record(Math.max(1, Math.round(serviceMs * 1000)));
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  /**
   * Totals over the last `windowMs` before `now` (whole seconds, the current one included), or
   * over [from, to) when given as a range. Undefined window: the whole run.
   */
  window(now: number, windowMs?: number, from?: number): WindowView {
    // A range [from, to) excludes the second starting at `to`; a window includes the current one.
    const last = from !== undefined ? Math.ceil(now / 1000) - 1 : Math.floor(now / 1000);
    const first = from !== undefined ? Math.floor(from / 1000) : windowMs === undefined ? 0 : Math.max(0, last - Math.ceil(windowMs / 1000) + 1);
    const view: WindowView = { spanMs: Math.max(1, now - first * 1000), offered: 0, dropped: 0, completed: 0, failed: 0, timeouts: 0, latency: histogram() };
    for (let i = first; i <= last && i < this.buckets.length; i++) {
      const b = this.buckets[i] as Bucket;
      view.offered += b.offered;
      view.dropped += b.dropped;
      view.completed += b.completed;
      view.failed += b.failed;
      view.timeouts += b.timeouts;
      if (b.latency.count > 0) view.latency.add(b.latency);
    }
    return view;
  }
}

/** Milliseconds at percentile `p` of a µs histogram; 0 when empty. */
export function percentileMs(h: RecordableHistogram, p: number): number {
  return h.count === 0 ? 0 : h.percentile(Math.max(p, 0.000001)) / 1000;
}
