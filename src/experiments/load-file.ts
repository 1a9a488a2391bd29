import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from '../api/zod.js';
import { experimentSchema, type Experiment } from './schema.js';

/** A bad file: every problem found, each with the file, the path and what was expected. */
export class FileProblemsError extends Error {
  override name = 'FileProblemsError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(problems.map((p) => `${file}: ${p}`).join('\n'));
  }
}

/** A bad experiment file. */
export class ExperimentFileError extends FileProblemsError {
  override name = 'ExperimentFileError';
}

/** `method[0].fault.attributes`, as a person reads a path into a document. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function issueText(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key "${k}"`).join('\n');
  }
  const got = valueAt(input, issue.path);
  const message = issue.message.startsWith('Invalid input') ? 'expected a different value' : issue.message;
  // "got nothing" only adds noise to messages about an object as a whole.
  const suffix = issue.code === 'custom' && typeof got === 'object' ? '' : `, got ${describe(got)}`;
  return `${formatPath(issue.path)}: ${message}${suffix}`;
}

/**
 * `${NAME}` and `${NAME:-default}` take an environment variable's value before the YAML is
 * read, as envsubst does, so a number stays a number. Comment lines are left alone.
 */
function substitute(text: string, vars: Readonly<Record<string, string | undefined>>, problems: string[]): string {
  return text
    .split('\n')
    .map((line, i) => {
      if (line.trimStart().startsWith('#')) return line;
      return line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, name: string, fallback: string | undefined) => {
        const v = vars[name];
        if (v !== undefined && v !== '') return v;
        if (fallback !== undefined) return fallback;
        problems.push(`line ${i + 1}: expected variable ${name} to be set (used as ${whole}; write \${${name}:-default} for a default)`);
        return whole;
      });
    })
    .join('\n');
}

/** Checks that need the whole document: names that must refer to something declared. */
function crossCheck(exp: Experiment): string[] {
  const problems: string[] = [];
  const servers = new Set(exp.servers.map((s) => s.name));
  if (servers.size !== exp.servers.length) problems.push('servers: expected each server to have a different name');
  const checkServer = (server: string | undefined, path: string): void => {
    if (server !== undefined && !servers.has(server)) problems.push(`${path}.server: expected one of the servers (${[...servers].join(', ')}), got "${server}"`);
  };
  exp.method.forEach((step, i) => {
    checkServer(step.fault?.server, `method[${i}].fault`);
    if (typeof step.down === 'object') checkServer(step.down.server, `method[${i}].down`);
    step.random?.faults.forEach((f, j) => checkServer(f.fault?.server ?? (typeof f.down === 'object' ? f.down.server : undefined), `method[${i}].random.faults[${j}]`));
    const lasting = step.fault !== undefined || step.down !== undefined;
    if (lasting && step.for === undefined && exp.duration === undefined) {
      problems.push(`method[${i}].for: expected how long the fault lasts (for: 10s), or a top-level duration`);
    }
    if (step.random !== undefined) {
      const [lo, hi] = step.random.every;
      if (lo > hi) problems.push(`method[${i}].random.every: expected [shortest, longest], got the longest first`);
      if (step.random.every[1] === 0) problems.push(`method[${i}].random.every: expected a gap above 0`);
    }
  });
  exp.steady_state?.probes.forEach((p, i) => checkServer(p.faultline?.server, `steady_state.probes[${i}].faultline`));
  if (exp.method.length === 0 && exp.duration === undefined && exp.load === undefined) problems.push('method: expected at least one step, or a duration');
  return problems;
}

/** How one kind of file is read: its schema, the checks across it, and the error it throws. */
export interface FileKind<S extends z.ZodType> {
  schema: S;
  /** What the top level must be, for the message when it is not an object. */
  topLevel: string;
  crossCheck?: (value: z.output<S>, input: Record<string, unknown>) => string[];
  error: new (file: string, problems: readonly string[]) => FileProblemsError;
}

/**
 * Parses YAML or JSON text after `${VAR}` substitution (none when `vars` is null) and
 * validates it against `kind`, so experiment and matrix files report problems the same way:
 * file, path, expected, got.
 */
export function parseFileText<S extends z.ZodType>(kind: FileKind<S>, text: string, file: string, vars: Readonly<Record<string, string | undefined>> | null = process.env): z.output<S> {
  const problems: string[] = [];
  // null: no substitution, for documents built in code, where `${` is meant literally.
  const doc = parseDocument(vars === null ? text : substitute(text, vars, problems));
  if (problems.length > 0) throw new kind.error(file, problems);
  if (doc.errors.length > 0) {
    throw new kind.error(
      file,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}: expected YAML or JSON: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`),
    );
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new kind.error(file, [`(top level): expected ${kind.topLevel}, got ${describe(raw)}`]);
  const input = raw as Record<string, unknown>;
  const result = kind.schema.safeParse(input);
  if (!result.success) throw new kind.error(file, result.error.issues.map((i) => issueText(i, input)));
  const cross = kind.crossCheck?.(result.data, input) ?? [];
  if (cross.length > 0) throw new kind.error(file, cross);
  return result.data;
}

/** Reads a file for `parseFileText`; an unreadable file is a problem with it, not a crash. */
export async function readFileText(file: string, error: FileKind<z.ZodType>['error']): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new error(file, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
}

const experimentFile: FileKind<typeof experimentSchema> = {
  schema: experimentSchema,
  topLevel: 'an object with title, servers and method',
  crossCheck,
  error: ExperimentFileError,
};

/** Parses and validates experiment text (YAML or JSON). `file` names it in errors. */
export function parseExperiment(text: string, file: string, vars: Readonly<Record<string, string | undefined>> = process.env): Experiment {
  return parseFileText(experimentFile, text, file, vars);
}

export async function loadExperiment(file: string, vars?: Readonly<Record<string, string | undefined>>): Promise<{ experiment: Experiment; raw: unknown }> {
  const text = await readFileText(file, ExperimentFileError);
  const experiment = parseExperiment(text, file, vars);
  return { experiment, raw: parseDocument(text).toJS() as unknown };
}
