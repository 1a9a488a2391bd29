import { FAULTLINE_VERSION } from '../api/version.js';
import { observedTable, type MatrixRun } from './runner.js';

/** The run as JSON for tools: both tables, then every cell with its probes' answers. */
export function matrixJson(run: MatrixRun): unknown {
  return {
    faultline: FAULTLINE_VERSION,
    title: run.title,
    start: run.start.toISOString(),
    end: run.end.toISOString(),
    duration: (run.end.getTime() - run.start.getTime()) / 1000,
    exit_code: run.exitCode,
    interrupted: run.interrupted,
    ...(run.error === undefined ? {} : { error: run.error }),
    warnings: run.warnings,
    rows: run.rows,
    features: run.features,
    expected: Object.fromEntries(run.rows.map((r) => [r, Object.fromEntries(run.features.map((f) => [f, run.expected[r]?.[f] ?? null]))])),
    observed: observedTable(run),
    cells: run.cells.map((c) => ({
      row: c.row,
      feature: c.feature,
      expected: c.expected,
      observed: c.observed,
      outcome: c.outcome,
      reason: c.reason,
      fault: c.fault,
      recovered: c.recovered,
      recovery_ms: c.recoveryMs === null ? null : Math.round(c.recoveryMs),
      start: c.start.toISOString(),
      duration_ms: Math.round(c.durationMs),
      probes: c.probes.map((p) => ({
        probe: p.probe,
        attempt: p.attempt,
        state: p.state,
        reason: p.reason,
        ok: p.result.ok,
        ...(p.result.error === undefined ? {} : { error: p.result.error }),
        ms: p.result.end.getTime() - p.result.start.getTime(),
        output: p.result.output,
      })),
      rollbacks: c.rollbacks.map((r) => ({ what: r.what, ok: r.ok, ...(r.error === undefined ? {} : { error: r.error }) })),
    })),
  };
}
