/**
 * faultline/matrix: every feature crossed with every dependency, expected against observed,
 * from code as `faultline matrix run` does. The test-runner forms are in
 * faultline/matrix/node-test, faultline/matrix/vitest and faultline/matrix/jest.
 */
import { loadMatrix } from './load.js';
import { runMatrix, type MatrixOptions, type MatrixRun } from './runner.js';

export { runMatrix, MatrixSession, selectCells, observedTable, OnlyError } from './runner.js';
export type { MatrixRun, MatrixOptions, MatrixEvent, CellResult, ProbeRecord, Outcome } from './runner.js';
export { loadMatrix, loadMatrixSync, parseMatrix, checkMatrix, MatrixFileError } from './load.js';
export { matrixSchema, matrixJsonSchema, STATES } from './schema.js';
export type { Matrix, MatrixInput, Feature, Dependency, Failure, MatrixProbe, DegradedMarker, State } from './schema.js';
export { rowsOf, type Row, type FaultAction } from './rows.js';
export { classify, combine, worst, type Verdict } from './classify.js';
export { terminalTable, problemLines, summaryLine, cellText } from './table.js';
export { markdownTable } from './markdown.js';
export { matrixJson } from './json.js';
export { matrixJUnit } from './junit.js';
export { matrixHtml } from './html.js';
export { writeMatrixReports, matrixReportPaths, type MatrixReportPaths } from './reports.js';
export { writeObserved } from './update.js';
export { registerMatrix, MatrixCellError, type MatrixTestApi, type ResiliencyMatrixOptions } from './test-runner.js';
export { PreflightError } from '../experiments/preflight.js';

/** Loads (MatrixFileError on a bad file) and runs a matrix file. */
export async function runMatrixFile(file: string, options: MatrixOptions & { vars?: Record<string, string | undefined> } = {}): Promise<MatrixRun> {
  return runMatrix(await loadMatrix(file, options.vars), { file, ...options });
}
