import type { LoadStats, WindowView } from '../load/stats.js';
import { percentileMs } from '../load/stats.js';
import { compare, parseThreshold, type Metric, type Threshold } from './parse.js';

/** When a probe check failed, for `probe_failures` over a window. */
export interface ProbeMark {
  at: number;
  ok: boolean;
}

export interface ThresholdState {
  threshold: Threshold;
  abort: boolean;
  afterMs: number;
  tripped: boolean;
  trippedAt?: number;
  /** The value at the last evaluation (or when it tripped), in the metric's base unit. */
  value?: number;
  limit?: number;
  /** One line: why it tripped, or its last reading. */
  message: string;
}

export interface Observations {
  /** ms since the method started. */
  now: number;
  load?: LoadStats | undefined;
  probes: readonly ProbeMark[];
  /** The stretch before the first fault, [from, to) in ms, once known. */
  baseline?: { from: number; to: number } | undefined;
}

function loadValue(metric: Metric, v: WindowView): number | undefined {
  switch (metric.kind) {
    case 'error_rate':
      return v.completed === 0 ? undefined : v.failed / v.completed;
    case 'failed_requests':
      return v.failed;
    case 'requests':
      return v.completed;
    case 'throughput':
      return (v.completed * 1000) / v.spanMs;
    case 'dropped':
      return v.dropped;
    case 'timeouts':
      return v.timeouts;
    case 'latency':
      if (v.latency.count === 0) return undefined;
      if (metric.stat === 'avg') return v.latency.mean / 1000;
      if (metric.stat === 'min') return v.latency.min / 1000;
      if (metric.stat === 'max') return v.latency.max / 1000;
      return percentileMs(v.latency, metric.percentile ?? 50);
    case 'probe_failures':
      return undefined;
  }
}

export function metricValue(metric: Metric, obs: Observations, windowMs?: number, range?: { from: number; to: number }): number | undefined {
  if (metric.kind === 'probe_failures') {
    const from = range?.from ?? (windowMs === undefined ? -Infinity : obs.now - windowMs);
    const to = range?.to ?? Infinity;
    return obs.probes.filter((p) => !p.ok && p.at >= from && p.at < to).length;
  }
  if (obs.load === undefined) return undefined;
  const view = range === undefined ? obs.load.window(obs.now, windowMs) : obs.load.window(range.to, undefined, range.from);
  if (range !== undefined) view.spanMs = Math.max(1, range.to - range.from);
  return loadValue(metric, view);
}

const unit = (metric: Metric): string => (metric.kind === 'latency' ? ' ms' : metric.kind === 'throughput' ? ' rps' : '');

function show(metric: Metric, value: number): string {
  if (metric.kind === 'error_rate') return `${(value * 100).toFixed(2)}%`;
  return `${Number(value.toFixed(2))}${unit(metric)}`;
}

/**
 * Judges thresholds against what the load and the probes saw. A tripped threshold stays
 * tripped; with `abort` it stops the experiment.
 */
export class ThresholdBoard {
  readonly states: ThresholdState[];

  constructor(specs: readonly (string | { expr: string; abort: boolean; after?: number | undefined })[]) {
    this.states = specs.map((spec) => {
      const s = typeof spec === 'string' ? { expr: spec, abort: true, after: undefined } : spec;
      return { threshold: parseThreshold(s.expr), abort: s.abort, afterMs: s.after ?? 0, tripped: false, message: 'not evaluated yet' };
    });
  }

  /** Evaluates every threshold not yet tripped; returns those that tripped now. */
  evaluate(obs: Observations): ThresholdState[] {
    const now: ThresholdState[] = [];
    for (const state of this.states) {
      if (state.tripped || obs.now < state.afterMs) continue;
      const t = state.threshold;
      const value = metricValue(t.metric, obs, t.windowMs);
      let limit = t.value;
      if (t.ofBaseline) {
        const base = obs.baseline === undefined ? undefined : metricValue(t.metric, obs, undefined, obs.baseline);
        if (base === undefined) {
          state.message = 'waiting for a baseline (the run before the first fault)';
          continue;
        }
        limit = t.value * base;
      }
      if (value === undefined) {
        state.message = 'no samples yet';
        continue;
      }
      state.value = value;
      state.limit = limit;
      const where = t.windowMs === undefined ? 'over the run' : `over the last ${t.windowMs / 1000}s`;
      const against = t.ofBaseline ? `${Math.round(t.value * 100)}% of baseline = ${show(t.metric, limit)}` : show(t.metric, limit);
      if (compare(value, t.op, limit)) {
        state.tripped = true;
        state.trippedAt = obs.now;
        state.message = `${t.source}: ${show(t.metric, value)} ${where} ${t.op} ${against}`;
        now.push(state);
      } else {
        state.message = `${show(t.metric, value)} ${where} (trips at ${t.op} ${against})`;
      }
    }
    return now;
  }
}
