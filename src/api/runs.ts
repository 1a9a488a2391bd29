import { z } from './zod.js';
import { decode } from './decode.js';
import { ApiError, badRequestBody } from './errors.js';

/**
 * Runs: faultline's addition (not in Toxiproxy). Experiments and the resiliency matrix run in
 * the runner's process, not in the server; the runner reports each run to the servers it
 * drives, so the dashboard can show it live. Kept in memory only, the last MAX_RUNS of them.
 */
export const MAX_RUNS = 20;
/** Points kept per run: one a second, so the last five minutes. */
export const MAX_RUN_POINTS = 300;
/** Cells kept per matrix run; a matrix is rows × features, this is far above any real one. */
export const MAX_RUN_CELLS = 1000;

export const RUN_KINDS = ['experiment', 'matrix'] as const;
export type RunKind = (typeof RUN_KINDS)[number];
export const RUN_STATUSES = ['running', 'completed', 'failed', 'aborted', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One interval of an experiment's load: what the live view shows, once a second. */
export interface RunPoint {
  /** ms from the start of the method. */
  t_ms: number;
  /** Requests completed per second. */
  rate: number;
  /** Failed / completed, 0–1; null before anything completed. */
  error_rate: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  /** The faults in place, `type on proxy`. */
  faults: string[];
}

/** One matrix cell as it completes. */
export interface RunCell {
  row: string;
  feature: string;
  expected: string;
  /** Null when the cell could not be judged. */
  observed: string | null;
  /** pass, differs, no-recovery, broken-baseline, error or interrupted (see docs/matrix.md). */
  outcome: string;
}

export interface RunJson {
  id: string;
  kind: RunKind;
  name: string;
  /** The experiment or matrix file, as the runner was given it; null when it ran from code. */
  file: string | null;
  status: RunStatus;
  /** Where the run is: an experiment's phase, or `cell 3/12` for a matrix. */
  phase: string | null;
  /** Why it ended as it did, in one line; null while running or when it completed cleanly. */
  reason: string | null;
  started_at: string;
  updated_at: string;
  elapsed_ms: number;
  /** A matrix's rows and features, so cells not run yet can be shown; empty for experiments. */
  rows: string[];
  features: string[];
  points: RunPoint[];
  cells: RunCell[];
}

const text = (max: number) => z.string({ error: 'expected a string' }).max(max, { error: `expected at most ${max} characters` });
const name = text(200).min(1, { error: 'expected a non-empty string' });
const ms = z.number({ error: 'expected a number of milliseconds' }).min(0, { error: 'expected a number of milliseconds, 0 or more' });
const nullableMs = ms.nullable();

const createBody = z.strictObject(
  {
    kind: z.enum(RUN_KINDS, { error: `expected one of ${RUN_KINDS.join(', ')}` }),
    name,
    file: text(1000).nullable().optional(),
    rows: z.array(name, { error: 'expected an array of strings' }).max(200).optional(),
    features: z.array(name, { error: 'expected an array of strings' }).max(200).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : 'expected a JSON object') },
);

const point = z.strictObject({
  t_ms: ms,
  rate: z.number({ error: 'expected a number' }).min(0, { error: 'expected 0 or more' }),
  error_rate: z.number({ error: 'expected a number from 0 to 1, or null' }).min(0).max(1).nullable(),
  p50_ms: nullableMs,
  p99_ms: nullableMs,
  faults: z.array(text(300), { error: 'expected an array of strings' }).max(100),
});

const cell = z.strictObject({
  row: name,
  feature: name,
  expected: text(40),
  observed: text(40).nullable(),
  outcome: text(40),
});

const updateBody = z.strictObject(
  {
    status: z.enum(RUN_STATUSES, { error: `expected one of ${RUN_STATUSES.join(', ')}` }).optional(),
    phase: text(200).nullable().optional(),
    reason: text(2000).nullable().optional(),
    elapsed_ms: ms.optional(),
    points: z.array(point, { error: 'expected an array of points' }).max(MAX_RUN_POINTS).optional(),
    cells: z.array(cell, { error: 'expected an array of cells' }).max(MAX_RUN_CELLS).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : 'expected a JSON object') },
);

export type RunCreate = z.output<typeof createBody>;
/** `points` are appended to the run's; `cells` replace the cells of the same row and feature. */
export type RunUpdate = z.output<typeof updateBody>;

const object = (body: unknown): void => {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequestBody('expected a JSON object');
};

export function decodeRunCreate(body: unknown): RunCreate {
  object(body);
  return decode(createBody, body);
}

export function decodeRunUpdate(body: unknown): RunUpdate {
  object(body);
  return decode(updateBody, body);
}

export const runNotFound = (): ApiError => new ApiError(404, 'RUN_NOT_FOUND', 'run not found');
