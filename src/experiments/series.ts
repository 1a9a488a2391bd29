import type { LoadStats } from './load/stats.js';
import { percentileMs } from './load/stats.js';

/** One second of the load, as reports draw it. */
export interface SeriesPoint {
  /** Seconds from the start of the method. */
  t: number;
  offered: number;
  completed: number;
  failed: number;
  dropped: number;
  p50: number;
  p90: number;
  p99: number;
}

export function seriesOf(stats: LoadStats): SeriesPoint[] {
  return stats.buckets.map((b, t) => ({
    t,
    offered: b.offered,
    completed: b.completed,
    failed: b.failed,
    dropped: b.dropped,
    p50: round(percentileMs(b.latency, 50)),
    p90: round(percentileMs(b.latency, 90)),
    p99: round(percentileMs(b.latency, 99)),
  }));
}

export interface LoadSummary {
  target: string;
  offered: number;
  sent: number;
  completed: number;
  failed: number;
  timeouts: number;
  dropped: number;
  error_rate: number;
  achieved_rps: number;
  duration_s: number;
  statuses: Record<string, number>;
  /** ms, from each request's intended send time (no coordinated omission). */
  response_time: Record<string, number>;
  /** ms, from the actual send. */
  service_time: Record<string, number>;
}

const round = (x: number): number => Math.round(x * 100) / 100;

function percentiles(h: LoadStats['responseTime']): Record<string, number> {
  if (h.count === 0) return {};
  return {
    min: round(h.min / 1000),
    mean: round(h.mean / 1000),
    p50: round(percentileMs(h, 50)),
    p90: round(percentileMs(h, 90)),
    p95: round(percentileMs(h, 95)),
    p99: round(percentileMs(h, 99)),
    p99_9: round(percentileMs(h, 99.9)),
    max: round(h.max / 1000),
  };
}

export function summarise(stats: LoadStats, durationMs: number, target: string): LoadSummary {
  return {
    target,
    offered: stats.offered,
    sent: stats.sent,
    completed: stats.completed,
    failed: stats.failed,
    timeouts: stats.timeouts,
    dropped: stats.dropped,
    error_rate: stats.completed === 0 ? 0 : round((stats.failed / stats.completed) * 100) / 100,
    achieved_rps: round((stats.sent * 1000) / Math.max(1, durationMs)),
    duration_s: round(durationMs / 1000),
    statuses: Object.fromEntries(stats.statuses),
    response_time: percentiles(stats.responseTime),
    service_time: percentiles(stats.serviceTime),
  };
}
