import { after, before, describe, test } from 'node:test';
import { registerMatrix, type ResiliencyMatrixOptions } from './test-runner.js';
import type { MatrixInput } from './schema.js';

/** For node:test: `resiliencyMatrix('resiliency.yaml')` registers one test per cell. */
export function resiliencyMatrix(source: string | MatrixInput, options: ResiliencyMatrixOptions = {}): void {
  registerMatrix(
    {
      describe: (name, fn) => describe(name, fn),
      test: (name, fn, timeout) => test(name, { timeout }, fn),
      before: (fn, timeout) => before(fn, { timeout }),
      after: (fn, timeout) => after(fn, { timeout }),
    },
    source,
    options,
  );
}

export { MatrixCellError, type ResiliencyMatrixOptions } from './test-runner.js';
