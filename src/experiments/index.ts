/**
 * faultline/experiments: run an experiment — steady state, a fault timeline, load, thresholds,
 * automatic rollback — from code, as `faultline experiment run` does.
 */
import { loadExperiment } from './load-file.js';
import { runExperiment, type RunData, type RunOptions } from './runner.js';

export { runExperiment, PreflightError } from './runner.js';
export type { RunData, RunOptions, RunView, LiveState, Status, HypothesisRun } from './runner.js';
export { loadExperiment, parseExperiment, ExperimentFileError } from './load-file.js';
export { experimentSchema, experimentJsonSchema } from './schema.js';
export type { Experiment, ExperimentInput, Probe, Fault, Step, Load } from './schema.js';
export { parseThreshold, ThresholdSyntaxError, type Threshold } from './thresholds/parse.js';
export { ThresholdBoard, type ThresholdState } from './thresholds/evaluate.js';
export { LoadGenerator, type LoadOptions, type LoadRequest } from './load/generator.js';
export { ArrivalPlan } from './load/arrivals.js';
export { LoadStats } from './load/stats.js';
export { planTimeline, type Plan, type PlannedStep } from './timeline.js';
export { toJournal } from './journal.js';
export { toJUnit } from './junit.js';
export { toHtml } from './html-report.js';
export { writeReports, reportPaths, type ReportPaths } from './reports.js';
export { LiveView } from './live-view.js';

/** Loads (throwing ExperimentFileError on a bad file) and runs an experiment file. */
export async function runExperimentFile(file: string, options: RunOptions & { vars?: Record<string, string | undefined> } = {}): Promise<RunData> {
  const { experiment, raw } = await loadExperiment(file, options.vars);
  return runExperiment(experiment, { file, ...options, raw });
}
