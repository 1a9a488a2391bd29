export { FaultlineFixture, useFaultline, type FixtureOptions, type TestHooks } from './fixture.js';
