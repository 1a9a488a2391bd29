import { readFileSync } from 'node:fs';
import { FileProblemsError, parseFileText, readFileText, type FileKind } from '../experiments/load-file.js';
import { statusMatches } from '../experiments/probes.js';
import { matrixSchema, type DegradedMarker, type Matrix } from './schema.js';
import { rowsOf } from './rows.js';

/** A bad matrix file: every problem, each with the file and the path. Exit status 2. */
export class MatrixFileError extends FileProblemsError {
  override name = 'MatrixFileError';
}

function duplicates(names: readonly string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}

/** A marker that cannot apply to the probe it is on would silently never fire. */
function markerProblems(marker: DegradedMarker | undefined, probe: Matrix['features'][number]['probes'][number], path: string): string[] {
  if (marker === undefined) return [];
  const out: string[] = [];
  if (probe.http !== undefined) {
    if (marker.stdout_matches !== undefined) out.push(`${path}.stdout_matches: expected body_matches on an http probe (stdout_matches is for command probes)`);
    const listed = typeof marker.status === 'number' ? [marker.status] : Array.isArray(marker.status) ? marker.status : [];
    for (const s of listed) {
      if (!statusMatches(probe.http.status, s)) out.push(`${path}.status: ${s} fails the probe's own status check (${JSON.stringify(probe.http.status)}), so it would be Down, never Degraded; add it to http.status`);
    }
  } else {
    for (const k of ['status', 'header', 'body_matches'] as const) {
      if (marker[k] !== undefined) out.push(`${path}.${k}: expected only stdout_matches or slower_than on a command probe`);
    }
  }
  return out;
}

function crossCheck(m: Matrix): string[] {
  const problems: string[] = [];
  const servers = m.servers.map((s) => s.name);
  for (const d of duplicates(servers)) problems.push(`servers: expected each server to have a different name, "${d}" is used twice`);
  const features = m.features.map((f) => f.name);
  for (const d of duplicates(features)) problems.push(`features: expected each feature to have a different name, "${d}" is used twice`);
  for (const d of duplicates(m.dependencies.map((x) => x.name))) problems.push(`dependencies: expected each dependency to have a different name, "${d}" is used twice`);
  m.dependencies.forEach((dep, i) => {
    if (dep.server !== undefined && !servers.includes(dep.server)) problems.push(`dependencies[${i}].server: expected one of the servers (${servers.join(', ')}), got "${dep.server}"`);
  });
  m.features.forEach((f, i) =>
    f.probes.forEach((p, j) => {
      problems.push(...markerProblems(f.degraded, p, `features[${i}].degraded`), ...markerProblems(p.degraded, p, `features[${i}].probes[${j}].degraded`));
    }),
  );
  const rows = rowsOf(m);
  for (const d of duplicates(rows.map((r) => r.label))) problems.push(`dependencies: expected each row to have a different label, "${d}" is used twice (name the failure modes)`);
  const labels = rows.map((r) => r.label);
  for (const row of rows) {
    const cells = m.expect[row.label];
    if (cells === undefined) {
      problems.push(`expect.${row.label}: expected the states of row "${row.label}" (${features.join(', ')}), got nothing`);
      continue;
    }
    for (const f of features) {
      if (cells[f] === undefined) problems.push(`expect.${row.label}.${f}: expected Up, Degraded or Down for this cell, got nothing`);
    }
    for (const k of Object.keys(cells)) {
      if (!features.includes(k)) problems.push(`expect.${row.label}.${k}: expected one of the features (${features.join(', ')}), got "${k}"`);
    }
  }
  for (const k of Object.keys(m.expect)) {
    if (!labels.includes(k)) problems.push(`expect.${k}: expected one of the rows (${labels.join(', ')}), got "${k}"`);
  }
  return problems;
}

const matrixFile: FileKind<typeof matrixSchema> = {
  schema: matrixSchema,
  topLevel: 'an object with title, servers, features, dependencies and expect',
  crossCheck,
  error: MatrixFileError,
};

/** Parses and validates matrix text (YAML or JSON); `${VAR}` is substituted first. */
export function parseMatrix(text: string, file = 'matrix', vars: Readonly<Record<string, string | undefined>> | null = process.env): Matrix {
  return parseFileText(matrixFile, text, file, vars);
}

export async function loadMatrix(file: string, vars?: Readonly<Record<string, string | undefined>>): Promise<Matrix> {
  return parseMatrix(await readFileText(file, MatrixFileError), file, vars);
}

/** For test files, which register their tests synchronously. */
export function loadMatrixSync(file: string, vars?: Readonly<Record<string, string | undefined>>): Matrix {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MatrixFileError(file, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseMatrix(text, file, vars);
}

/** An object built in code, validated as a file would be (without `${VAR}` substitution). */
export function checkMatrix(input: unknown, name = 'matrix'): Matrix {
  return parseMatrix(JSON.stringify(input), name, null);
}
