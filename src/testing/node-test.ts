import { after, before, beforeEach } from 'node:test';
import { useFaultline as useWith, type FaultlineFixture, type FixtureOptions } from './fixture.js';

/** For node:test: `const faultline = useFaultline({ proxies: [...] })` at the top of a test file. */
export function useFaultline(options: FixtureOptions = {}): FaultlineFixture {
  return useWith({ before, after, beforeEach }, options);
}

export { FaultlineFixture, type FixtureOptions } from './fixture.js';
