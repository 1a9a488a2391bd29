/**
 * The targets of issue 3, with the Toxiproxy 2.12 figures measured on these machines, which
 * the table prints as the reference column. A goal is checked against faultline's median.
 */
export interface Goal {
  op: '>=' | '<=';
  limit: number;
  /** As the issue writes it, e.g. '≥ 0.40×'. */
  text: string;
  /** Toxiproxy 2.12 on these machines, from the issue. */
  reference: string;
  /** An error that may fall either side: the size of it is what is checked. */
  abs?: boolean;
}

export const goals = {
  bulkRatio: { op: '>=', limit: 0.4, text: '≥ 0.40×', reference: '~0.18×' },
  rttP50: { op: '<=', limit: 30, text: '≤ +30 µs', reference: '+48 µs' },
  rttP99: { op: '<=', limit: 80, text: '≤ +80 µs', reference: '+89 µs' },
  rttP999: { op: '<=', limit: 300, text: '≤ +300 µs', reference: '~+230 µs' },
  httpRatio: { op: '>=', limit: 0.6, text: '≥ 0.60×', reference: '~0.53×' },
  idleMemory: { op: '<=', limit: 16, text: '≤ 16 KB', reference: '~70 KB' },
  idleOpenRatio: { op: '<=', limit: 4, text: '≤ 4×', reference: '~6×' },
  idleEchoFailures: { op: '<=', limit: 0, text: '0', reference: '' },
  toxicRatio: { op: '>=', limit: 0.8, text: '≥ 0.8×', reference: '~1.0×' },
  latencyErrorP99: { op: '<=', limit: 1, text: '≤ 1 ms (abs)', reference: '0.6 ms', abs: true },
  bandwidthError: { op: '<=', limit: 1, text: '≤ 1 % (abs)', reference: '0.06 %', abs: true },
  controlMs: { op: '<=', limit: 5, text: '≤ 5 ms', reference: '~4 ms' },
  controlTimeouts: { op: '<=', limit: 0, text: '0 (never blocked)', reference: '' },
  httpFramingRatio: { op: '>=', limit: 0.85, text: '≥ 0.85× tcp proxy', reference: '' },
  httpIdleMemoryRatio: { op: '<=', limit: 1.5, text: '≤ 1.5× tcp proxy', reference: '' },
} as const satisfies Record<string, Goal>;

export function meets(goal: Goal, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (goal.abs === true) value = Math.abs(value);
  return goal.op === '>=' ? value >= goal.limit : value <= goal.limit;
}
