import { loadMatrixSync, checkMatrix } from './load.js';
import { selectCells } from './runner.js';
import { MatrixSession, type CellResult } from './session.js';
import type { Matrix, MatrixInput } from './schema.js';
import { cellText } from './table.js';

/** The parts of a test framework the matrix needs; node:test, Vitest and Jest each adapt theirs. */
export interface MatrixTestApi {
  describe(name: string, fn: () => void): unknown;
  test(name: string, fn: () => Promise<void>, timeoutMs: number): unknown;
  before(fn: () => Promise<void>, timeoutMs: number): unknown;
  after(fn: () => Promise<void>, timeoutMs: number): unknown;
}

export interface ResiliencyMatrixOptions {
  /** Row labels, dependency names or feature names to run; all by default. */
  only?: readonly string[];
  /** `${NAME}` values for a matrix file; the environment by default. */
  vars?: Readonly<Record<string, string | undefined>>;
  /** Per cell; by default enough for the baseline, the probes and the recovery window. */
  timeoutMs?: number;
}

/** A cell that is not as the team expects, as a test failure reads. */
export class MatrixCellError extends Error {
  override name = 'MatrixCellError';
  constructor(readonly cell: CellResult) {
    super(`${cell.row} × ${cell.feature}: ${cellText(cell, cell.expected).text} — ${cell.reason} (fault: ${cell.fault})`);
  }
}

function cellBudgetMs(m: Matrix): number {
  const probes = Math.max(...m.features.map((f) => f.probes.reduce((sum, p) => sum + (p.http?.timeout ?? p.command?.timeout ?? 0), 0)));
  return 2 * (m.recovery + probes) + m.settle + m.repeat * probes + 10_000;
}

/**
 * One test per cell, in a suite named after the matrix: the servers are reached and leases
 * taken before the first, and everything is rolled back after the last. A file path is read
 * synchronously, because frameworks collect tests synchronously.
 */
export function registerMatrix(api: MatrixTestApi, source: string | MatrixInput, options: ResiliencyMatrixOptions = {}): void {
  const matrix = typeof source === 'string' ? loadMatrixSync(source, options.vars) : checkMatrix(source);
  const { rows, features } = selectCells(matrix, options.only);
  const budget = options.timeoutMs ?? cellBudgetMs(matrix);
  api.describe(`resiliency matrix: ${matrix.title}`, () => {
    const session = new MatrixSession(matrix);
    api.before(() => session.open(), 30_000);
    api.after(() => session.close(), 30_000);
    for (const row of rows) {
      for (const feature of features) {
        const expected = matrix.expect[row.label]?.[feature.name];
        api.test(
          `${row.label} × ${feature.name} is ${expected}`,
          async () => {
            const cell = await session.runCell(row, feature);
            if (cell.outcome !== 'pass') throw new MatrixCellError(cell);
          },
          budget,
        );
      }
    }
  });
}
