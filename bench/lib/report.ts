import { meets, type Goal } from './goals.js';
import { summarize, type Summary } from './stats.js';
import type { TargetName } from './targets.js';

/**
 * One line of the results: a figure per target, one value per round. Ratios and differences
 * to direct are rows of their own, computed by the scenario within each round.
 */
export interface Row {
  scenario: string;
  label: string;
  unit: string;
  values: Partial<Record<TargetName, number[]>>;
  goal?: Goal;
}

export interface RowResult extends Omit<Row, 'values'> {
  rounds: Partial<Record<TargetName, number[]>>;
  summary: Partial<Record<TargetName, Summary>>;
  /**
   * Against faultline's median; absent when the row has no goal. 'NOT CHECKED' when the goal
   * is relative to a column this run does not have (no Toxiproxy binary, no C compiler).
   */
  verdict?: 'PASS' | 'FAIL' | 'NOT CHECKED';
  toxiproxyVerdict?: 'PASS' | 'FAIL';
  /** A relative goal's faultline median ÷ the other column's median. */
  ratio?: number;
}

const MISSING: Record<NonNullable<Goal['relativeTo']>, string> = {
  toxiproxy: 'no Toxiproxy binary: not checked',
  reference: 'no reference proxy: not checked',
};

export function evaluate(row: Row): RowResult {
  const summary: Partial<Record<TargetName, Summary>> = {};
  for (const [target, values] of Object.entries(row.values) as [TargetName, number[]][]) summary[target] = summarize(values);
  const result: RowResult = { scenario: row.scenario, label: row.label, unit: row.unit, rounds: row.values, summary };
  const goal = row.goal;
  if (goal === undefined) return result;
  result.goal = goal;
  const faultline = summary.faultline?.median ?? NaN;
  if (goal.relativeTo === undefined) {
    result.verdict = meets(goal, faultline) ? 'PASS' : 'FAIL';
    if (summary.toxiproxy !== undefined) result.toxiproxyVerdict = meets(goal, summary.toxiproxy.median) ? 'PASS' : 'FAIL';
    return result;
  }
  const other = summary[goal.relativeTo];
  if (other === undefined || other.n === 0) {
    result.verdict = 'NOT CHECKED';
    return result;
  }
  result.verdict = meets(goal, faultline, other.median) ? 'PASS' : 'FAIL';
  result.ratio = faultline / other.median;
  // Toxiproxy against the reference is worth a verdict; Toxiproxy against itself is not.
  if (goal.relativeTo !== 'toxiproxy' && summary.toxiproxy !== undefined) {
    result.toxiproxyVerdict = meets(goal, summary.toxiproxy.median, other.median) ? 'PASS' : 'FAIL';
  }
  return result;
}

function verdictText(r: RowResult): string {
  if (r.verdict === undefined) return '';
  if (r.verdict === 'NOT CHECKED') return MISSING[r.goal?.relativeTo ?? 'toxiproxy'];
  const ratio = r.ratio === undefined ? '' : ` (${fmt(r.ratio)}× ${r.goal?.relativeTo ?? ''})`;
  return r.verdict + ratio + (r.toxiproxyVerdict === undefined ? '' : ` (toxiproxy ${r.toxiproxyVerdict})`);
}

export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 10) return value.toFixed(2);
  if (abs >= 0.1) return value.toFixed(3);
  return value.toPrecision(2);
}

function cell(summary: Summary | undefined): string {
  if (summary === undefined || summary.n === 0) return '';
  if (summary.n === 1) return fmt(summary.median);
  return `${fmt(summary.median)} [${fmt(summary.min)}…${fmt(summary.max)}]`;
}

/** A plain-text table: median [min…max] over rounds per target, the goal, the reference, the verdict. */
export function table(results: readonly RowResult[], targets: readonly TargetName[]): string {
  const header = ['scenario', 'figure', 'unit', ...targets, 'target', 'Toxiproxy 2.12 (issue)', 'verdict'];
  const lines = results.map((r) => [
    r.scenario,
    r.label,
    r.unit,
    ...targets.map((t) => cell(r.summary[t])),
    r.goal?.text ?? '',
    r.goal?.reference ?? '',
    verdictText(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const render = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd();
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)].join('\n');
}
