import { afterAll, beforeAll, describe, test } from 'vitest';
import { registerMatrix, type ResiliencyMatrixOptions } from './test-runner.js';
import type { MatrixInput } from './schema.js';

/** For Vitest: `resiliencyMatrix('resiliency.yaml')` registers one test per cell. */
export function resiliencyMatrix(source: string | MatrixInput, options: ResiliencyMatrixOptions = {}): void {
  registerMatrix(
    {
      describe: (name, fn) => describe(name, fn),
      test: (name, fn, timeout) => test(name, fn, timeout),
      before: (fn, timeout) => beforeAll(fn, timeout),
      after: (fn, timeout) => afterAll(fn, timeout),
    },
    source,
    options,
  );
}

export { MatrixCellError, type ResiliencyMatrixOptions } from './test-runner.js';
