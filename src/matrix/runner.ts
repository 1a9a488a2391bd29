import { PreflightError } from '../experiments/preflight.js';
import { RunReporter } from '../experiments/run-report.js';
import { rowsOf, type Row } from './rows.js';
import type { Feature, Matrix, State } from './schema.js';
import { MatrixSession, type CellResult, type MatrixEvent } from './session.js';

export { MatrixSession } from './session.js';
export type { CellResult, MatrixEvent, Outcome, ProbeRecord } from './session.js';

export interface MatrixRun {
  title: string;
  rows: string[];
  features: string[];
  /** Every cell run, in the order run: row by row. */
  cells: CellResult[];
  expected: Record<string, Record<string, State>>;
  warnings: string[];
  interrupted: boolean;
  /** Why nothing (or not everything) ran: an unreachable server, an unknown proxy, a lost lease. */
  error?: string;
  start: Date;
  end: Date;
  /** 0 every cell passed; 1 a cell differs, did not recover or could not be judged; 2 the file does not fit the servers. */
  exitCode: 0 | 1 | 2;
}

export interface MatrixOptions {
  /** Aborting it stops the run after the fault in place is removed (Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
  onEvent?: (e: MatrixEvent) => void;
  /** Row labels, dependency names or feature names to run; all by default. */
  only?: readonly string[];
  /** Cells that differ do not fail the run (`--update` writes them back instead). */
  update?: boolean;
  /** The file's path, shown with the run on the servers' dashboards. */
  file?: string;
  /** Report the run to the servers it drives, for their dashboards (default true). */
  report?: boolean;
}

/** A name given to `--only` that is neither a row, a dependency nor a feature. */
export class OnlyError extends Error {
  override name = 'OnlyError';
}

/** The rows and features `only` selects: names of rows or dependencies narrow the rows, names of features the columns. */
export function selectCells(matrix: Matrix, only: readonly string[] = []): { rows: Row[]; features: Feature[] } {
  const rows = rowsOf(matrix);
  const names = only.flatMap((o) => o.split(',')).map((o) => o.trim()).filter((o) => o !== '');
  const known = new Set([...rows.flatMap((r) => [r.label, r.dependency]), ...matrix.features.map((f) => f.name)]);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new OnlyError(`--only: no row, dependency or feature named ${unknown.map((u) => `"${u}"`).join(', ')}; there are ${[...known].join(', ')}`);
  const rowNames = names.filter((n) => rows.some((r) => r.label === n || r.dependency === n));
  const featureNames = names.filter((n) => matrix.features.some((f) => f.name === n));
  return {
    rows: rowNames.length === 0 ? rows : rows.filter((r) => rowNames.includes(r.label) || rowNames.includes(r.dependency)),
    features: featureNames.length === 0 ? matrix.features : matrix.features.filter((f) => featureNames.includes(f.name)),
  };
}


/** Runs every selected cell; always removes its faults and closes its leases. */
export async function runMatrix(matrix: Matrix, options: MatrixOptions = {}): Promise<MatrixRun> {
  const say = options.onEvent ?? (() => undefined);
  const { rows, features } = selectCells(matrix, options.only);
  const run: MatrixRun = {
    title: matrix.title,
    rows: rows.map((r) => r.label),
    features: features.map((f) => f.name),
    cells: [],
    expected: matrix.expect,
    warnings: [],
    interrupted: false,
    start: new Date(),
    end: new Date(),
    exitCode: 0,
  };
  const session = new MatrixSession(matrix, say);
  let report: RunReporter | undefined;
  try {
    await session.open();
    if (options.report !== false) {
      report = new RunReporter(session.servers(), { kind: 'matrix', name: matrix.title, file: options.file ?? null, rows: run.rows, features: run.features });
    }
    const total = rows.length * features.length;
    let index = 0;
    outer: for (const row of rows) {
      for (const feature of features) {
        if (options.signal?.aborted === true) {
          run.interrupted = true;
          break outer;
        }
        if (session.stopReason !== undefined) {
          run.error = session.stopReason;
          break outer;
        }
        index++;
        say({ kind: 'cell-start', row: row.label, feature: feature.name, index, total });
        report?.progress({ phase: `cell ${index}/${total}: ${row.label} × ${feature.name}`, elapsed_ms: Date.now() - run.start.getTime() });
        const cell = await session.runCell(row, feature, options.signal);
        run.cells.push(cell);
        report?.send({ cells: [{ row: cell.row, feature: cell.feature, expected: cell.expected, observed: cell.observed, outcome: cell.outcome }] });
        say({ kind: 'cell-end', cell, index, total });
      }
    }
    if (options.signal?.aborted === true) run.interrupted = true;
  } catch (err) {
    run.error = (err as Error).message;
    if (err instanceof PreflightError) run.exitCode = 2;
  } finally {
    await session.close();
    run.warnings.push(...session.warnings);
  }
  run.end = new Date();
  if (run.exitCode !== 2) {
    const failing = run.cells.some((c) => c.outcome !== 'pass' && !(options.update === true && c.outcome === 'differs'));
    run.exitCode = failing || run.interrupted || run.error !== undefined ? 1 : 0;
  }
  await report?.end({
    status: run.interrupted ? 'interrupted' : run.error !== undefined ? 'aborted' : run.exitCode === 0 ? 'completed' : 'failed',
    phase: 'done',
    reason: run.error ?? (run.exitCode === 0 ? null : `${run.cells.filter((c) => c.outcome !== 'pass').length} of ${run.cells.length} cells not as expected`),
    elapsed_ms: run.end.getTime() - run.start.getTime(),
  });
  return run;
}

/** The observed table, row label → feature → state (cells not judged are left out). */
export function observedTable(run: MatrixRun): Record<string, Record<string, State>> {
  const out: Record<string, Record<string, State>> = {};
  for (const c of run.cells) {
    if (c.observed === null) continue;
    (out[c.row] ??= {})[c.feature] = c.observed;
  }
  return out;
}
