/**
 * The threshold language. An expression states when to *trip* (Gloo Shot's failure
 * conditions), with k6's operators and aggregations:
 *
 *   error_rate > 5% over 10s       failed_requests > 10 over 1m
 *   p99 > 800ms                    p(99.9) >= 1.5s over 30s
 *   throughput < 50% of baseline   probe_failures > 0
 *
 * Without `over` the whole run so far is used, as k6 does.
 */
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type Metric =
  | { kind: 'error_rate' }
  | { kind: 'failed_requests' }
  | { kind: 'requests' }
  | { kind: 'throughput' }
  | { kind: 'dropped' }
  | { kind: 'timeouts' }
  | { kind: 'probe_failures' }
  | { kind: 'latency'; stat: 'avg' | 'min' | 'max' | 'percentile'; percentile?: number };

export interface Threshold {
  source: string;
  metric: Metric;
  op: Operator;
  /** In the metric's base unit: a fraction for rates, ms for latencies, requests/s for throughput. */
  value: number;
  /** `value` is a fraction of the metric's baseline (the run before the first fault). */
  ofBaseline: boolean;
  /** Sliding window in ms; undefined for the whole run. */
  windowMs?: number;
}

export class ThresholdSyntaxError extends Error {
  override name = 'ThresholdSyntaxError';
  constructor(
    readonly source: string,
    readonly position: number,
    expected: string,
  ) {
    const found = position >= source.length ? 'the end' : `"${source.slice(position).split(/\s/)[0]}"`;
    super(`in threshold "${source}" at character ${position + 1}: expected ${expected}, found ${found}`);
  }
}

const COUNTS = ['failed_requests', 'requests', 'dropped', 'timeouts', 'probe_failures'] as const;
const METRIC_HINT = 'a metric: error_rate, failed_requests, requests, throughput, dropped, timeouts, probe_failures, avg, min, max, med, p99 or p(99.9)';

class Cursor {
  pos = 0;
  constructor(readonly src: string) {}
  skip(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] as string)) this.pos++;
  }
  match(re: RegExp): string | undefined {
    this.skip();
    const m = re.exec(this.src.slice(this.pos));
    if (m === null || m.index !== 0) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
  fail(expected: string): never {
    this.skip();
    throw new ThresholdSyntaxError(this.src, this.pos, expected);
  }
}

function parseMetric(c: Cursor): Metric {
  const start = c.pos;
  const word = c.match(/^[a-z_]+(\([0-9.]+\))?[0-9.]*/i);
  if (word === undefined) c.fail(METRIC_HINT);
  const lower = word.toLowerCase();
  if (lower === 'error_rate' || lower === 'throughput') return { kind: lower };
  if ((COUNTS as readonly string[]).includes(lower)) return { kind: lower as (typeof COUNTS)[number] };
  if (lower === 'avg' || lower === 'min' || lower === 'max') return { kind: 'latency', stat: lower };
  if (lower === 'med') return { kind: 'latency', stat: 'percentile', percentile: 50 };
  const p = /^p(?:\(([0-9.]+)\)|([0-9.]+))$/.exec(lower);
  if (p !== null) {
    const n = Number(p[1] ?? p[2]);
    if (!Number.isFinite(n) || n < 0 || n > 100) {
      c.pos = start;
      c.fail('a percentile from 0 to 100, e.g. p99 or p(99.9)');
    }
    return { kind: 'latency', stat: 'percentile', percentile: n };
  }
  c.pos = start;
  return c.fail(METRIC_HINT);
}

function parseValue(c: Cursor, metric: Metric): { value: number; ofBaseline: boolean } {
  const number = c.match(/^\d+(\.\d+)?/);
  if (number === undefined) c.fail('a number');
  const n = Number(number);
  const unitAt = c.pos;
  const unit = c.match(/^(ms|s|%|rps|\/s)(?![a-z])/i)?.toLowerCase();
  if (c.match(/^of(?=\s)/i) !== undefined) {
    if (c.match(/^baseline\b/i) === undefined) c.fail('"baseline"');
    if (unit !== '%') {
      c.pos = unitAt;
      c.fail('a percentage before "of baseline", e.g. 50%');
    }
    return { value: n / 100, ofBaseline: true };
  }
  if (unit === undefined) {
    // A bare word right after the number is a unit we do not know.
    if (/^[a-z]/i.test(c.src.slice(c.pos).trimStart()) && !/^over\b/i.test(c.src.slice(c.pos).trimStart())) {
      c.fail(metric.kind === 'latency' ? 'a unit: ms or s' : 'a unit or "over"');
    }
  }
  switch (metric.kind) {
    case 'latency':
      if (unit !== undefined && unit !== 'ms' && unit !== 's') {
        c.pos = unitAt;
        c.fail('a latency unit: ms or s');
      }
      return { value: unit === 's' ? n * 1000 : n, ofBaseline: false };
    case 'error_rate':
      if (unit !== undefined && unit !== '%') {
        c.pos = unitAt;
        c.fail('a percentage (5%) or a fraction (0.05)');
      }
      if (unit === undefined && n > 1) {
        c.pos = unitAt;
        c.fail('a fraction from 0 to 1, or a percentage such as 5%');
      }
      return { value: unit === '%' ? n / 100 : n, ofBaseline: false };
    case 'throughput':
      if (unit !== undefined && unit !== 'rps' && unit !== '/s') {
        c.pos = unitAt;
        c.fail('requests per second (rps), or a percentage "of baseline"');
      }
      return { value: n, ofBaseline: false };
    default:
      if (unit !== undefined) {
        c.pos = unitAt;
        c.fail(`a plain count for ${metric.kind}`);
      }
      return { value: n, ofBaseline: false };
  }
}

export function parseThreshold(source: string): Threshold {
  const c: Cursor = new Cursor(source);
  const metric = parseMetric(c);
  const op = c.match(/^(<=|>=|==|!=|<|>)/) as Operator | undefined;
  if (op === undefined) c.fail('an operator: < <= > >= == !=');
  const { value, ofBaseline } = parseValue(c, metric);
  let windowMs: number | undefined;
  if (c.match(/^over\b/i) !== undefined) {
    const amount = c.match(/^\d+(\.\d+)?(ms|s|m|h)\b/i);
    if (amount === undefined) c.fail('a window such as 10s or 1m');
    const m = /^([\d.]+)(ms|s|m|h)$/i.exec(amount) as RegExpExecArray;
    const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] as string).toLowerCase() as 'ms'];
    windowMs = Math.round(Number(m[1]) * scale);
    if (windowMs < 1000) {
      c.pos -= amount.length;
      c.fail('a window of at least 1s');
    }
  }
  c.skip();
  if (c.pos < source.length) c.fail(windowMs === undefined ? '"over <window>" or the end' : 'the end');
  return { source, metric, op, value, ofBaseline, ...(windowMs === undefined ? {} : { windowMs }) };
}

export function compare(actual: number, op: Operator, limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
    case '!=':
      return actual !== limit;
  }
}
