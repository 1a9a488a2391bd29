import { useFaultline as useWith, type FaultlineFixture, type FixtureOptions, type TestHooks } from './fixture.js';

/** For Jest, whose hooks are globals: `const faultline = useFaultline({ proxies: [...] })`. */
export function useFaultline(options: FixtureOptions = {}): FaultlineFixture {
  const globals = globalThis as unknown as Partial<TestHooks>;
  if (globals.beforeAll === undefined || globals.afterAll === undefined || globals.beforeEach === undefined) {
    throw new Error('faultline/jest must be used inside a Jest test file (beforeAll/afterAll/beforeEach are not defined)');
  }
  return useWith(globals as TestHooks, options);
}

export { FaultlineFixture, type FixtureOptions } from './fixture.js';
