import type { CommandResult } from './command.js';
import type { ActiveFault, RollbackRecord } from './faults.js';
import type { StepRecord } from './method.js';
import type { ProbeResult } from './probes.js';
import type { Action, Experiment, Probe } from './schema.js';
import type { LoadSummary, SeriesPoint } from './series.js';
import type { ProbeMark, ThresholdState } from './thresholds/evaluate.js';
import type { Plan } from './timeline.js';

export type Status = 'completed' | 'failed' | 'aborted' | 'interrupted';
export type Phase = 'connecting' | 'before' | 'method' | 'rollback' | 'after' | 'done';

/** A steady-state check of every probe of a phase (Chaos Toolkit's hypothesis state). */
export interface HypothesisRun {
  met: boolean;
  probes: { probe: Probe; result: ProbeResult }[];
}

export interface UserRollback {
  action: Action;
  ok: boolean;
  output: unknown;
  error?: string;
  start: Date;
  end: Date;
}

/** Everything a run produced: the journal, JUnit and HTML reports are views of it. */
export interface RunData {
  experiment: Experiment;
  /** The file as written, for the journal. */
  raw: unknown;
  status: Status;
  deviated: boolean;
  /** Why the run did not complete or deviated, in one line. */
  reason?: string;
  warnings: string[];
  start: Date;
  end: Date;
  before: HypothesisRun | null;
  during: HypothesisRun[];
  after: HypothesisRun | null;
  plan: Plan | null;
  steps: StepRecord[];
  methodStart: Date | null;
  methodMs: number;
  rollbacks: RollbackRecord[];
  userRollbacks: UserRollback[];
  thresholds: ThresholdState[];
  load: LoadSummary | null;
  loadCommand: CommandResult | null;
  series: SeriesPoint[];
  probeMarks: ProbeMark[];
  createdProxies: string[];
  seed: number;
  exitCode: 0 | 1 | 2;
}

/** What a live view shows, refreshed while the method runs. */
export interface LiveState {
  phase: Phase;
  title: string;
  elapsedMs: number;
  durationMs: number;
  rate: number;
  errorRate: number | undefined;
  p50: number | undefined;
  p99: number | undefined;
  inFlight: number;
  active: ActiveFault[];
  thresholds: ThresholdState[];
  probeFailures: number;
}

export interface RunView {
  event(message: string): void;
  update(state: LiveState): void;
}

