import { registerMatrix, type MatrixTestApi, type ResiliencyMatrixOptions } from './test-runner.js';
import type { MatrixInput } from './schema.js';

interface JestGlobals {
  describe(name: string, fn: () => void): void;
  test(name: string, fn: () => Promise<void>, timeout?: number): void;
  beforeAll(fn: () => Promise<void>, timeout?: number): void;
  afterAll(fn: () => Promise<void>, timeout?: number): void;
}

/** For Jest, whose functions are globals: `resiliencyMatrix('resiliency.yaml')`, one test per cell. */
export function resiliencyMatrix(source: string | MatrixInput, options: ResiliencyMatrixOptions = {}): void {
  const g = globalThis as unknown as Partial<JestGlobals>;
  if (g.describe === undefined || g.test === undefined || g.beforeAll === undefined || g.afterAll === undefined) {
    throw new Error('faultline/matrix/jest must be used inside a Jest test file (describe/test/beforeAll/afterAll are not defined)');
  }
  const j = g as JestGlobals;
  const api: MatrixTestApi = {
    describe: (name, fn) => j.describe(name, fn),
    test: (name, fn, timeout) => j.test(name, fn, timeout),
    before: (fn, timeout) => j.beforeAll(fn, timeout),
    after: (fn, timeout) => j.afterAll(fn, timeout),
  };
  registerMatrix(api, source, options);
}

export { MatrixCellError, type ResiliencyMatrixOptions } from './test-runner.js';
