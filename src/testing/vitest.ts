import { afterAll, beforeAll, beforeEach } from 'vitest';
import { useFaultline as useWith, type FaultlineFixture, type FixtureOptions } from './fixture.js';

/** For Vitest: `const faultline = useFaultline({ proxies: [...] })` at the top of a test file. */
export function useFaultline(options: FixtureOptions = {}): FaultlineFixture {
  return useWith({ beforeAll, afterAll, beforeEach }, options);
}

export { FaultlineFixture, type FixtureOptions } from './fixture.js';
