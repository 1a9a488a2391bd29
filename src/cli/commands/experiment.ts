import type { Command } from 'commander';
import { fileVars } from '../file-vars.js';
import { print } from '../output.js';
import { UserError } from '../user-error.js';

interface RunFlags {
  out?: string;
  journal?: string;
  junit?: string;
  html?: string;
  seed?: string;
  quiet?: boolean;
  var?: string[];
}

/** Exit statuses: 0 the hypothesis held, 1 it deviated or the run aborted, 2 a bad file or an unreachable server. */
const BAD_INPUT = 2;

/** Loaded on use: the runner, zod schemas and reports would otherwise slow every command's start. */
const experiments = () => import('../../experiments/index.js');

async function load(file: string, flags: RunFlags) {
  const { loadExperiment, ExperimentFileError } = await experiments();
  try {
    return await loadExperiment(file, fileVars(flags.var));
  } catch (err) {
    if (!(err instanceof ExperimentFileError)) throw err;
    process.stderr.write(`faultline: bad experiment file\n${err.message}\n`);
    process.exit(BAD_INPUT);
  }
}

async function run(file: string, flags: RunFlags): Promise<void> {
  const { LiveView, reportPaths, runExperiment, writeReports } = await experiments();
  const { experiment, raw } = await load(file, flags);
  let seed: number | undefined;
  if (flags.seed !== undefined) {
    seed = Number(flags.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed takes a whole number, got "${flags.seed}"`);
  }
  const interrupt = new AbortController();
  let signals = 0;
  const onSignal = (name: string): void => {
    // A second Ctrl-C while rolling back is impatience, not a reason to leave faults behind:
    // the rollback goes on, and the lease covers a third.
    if (++signals === 1) process.stderr.write(`\nfaultline: ${name}: rolling back, please wait\n`);
    interrupt.abort();
  };
  const sigint = (): void => onSignal('SIGINT');
  const sigterm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  const view = flags.quiet === true ? undefined : new LiveView(process.stdout);
  const data = await runExperiment(experiment, { signal: interrupt.signal, raw, file, ...(view === undefined ? {} : { view }), ...(seed === undefined ? {} : { seed }) });
  view?.close();
  process.off('SIGINT', sigint);
  process.off('SIGTERM', sigterm);
  const written = data.exitCode === 2 ? [] : await writeReports(data, reportPaths(flags.out ?? 'experiment-results', flags));
  const verdict = data.exitCode === 0 ? 'hypothesis held' : data.exitCode === 2 ? 'not run' : data.deviated ? 'deviated' : data.status;
  print(`${experiment.title}: ${verdict} (status ${data.status}${data.deviated ? ', deviated' : ''})${data.reason === undefined ? '' : `: ${data.reason}`}`);
  if (data.load !== null) {
    const l = data.load;
    print(`load: ${l.sent} sent (${l.achieved_rps} rps), ${l.failed} failed, ${l.dropped} dropped; p50 ${l.response_time.p50 ?? '–'} ms, p99 ${l.response_time.p99 ?? '–'} ms`);
  }
  for (const r of data.rollbacks) print(`rollback: ${r.what}: ${r.ok ? 'done' : `FAILED: ${r.error}`}`);
  for (const path of written) print(`wrote ${path}`);
  if (data.exitCode === 2) process.stderr.write(`faultline: ${data.reason}\n`);
  process.exitCode = data.exitCode;
}

async function validate(file: string, flags: RunFlags): Promise<void> {
  const { experiment } = await load(file, flags);
  print(`${file}: valid experiment "${experiment.title}"`);
}

export function registerExperiment(program: Command): void {
  const experiment = program.command('experiment').description('run chaos experiments: steady state, faults on a timeline, load, thresholds, rollback');
  experiment
    .command('run')
    .argument('<file>', 'experiment file (YAML or JSON)')
    .option('--out <dir>', 'directory for journal.json, junit.xml and report.html', 'experiment-results')
    .option('--journal <path>', 'journal path (Chaos Toolkit shape)')
    .option('--junit <path>', 'JUnit XML path')
    .option('--html <path>', 'HTML report path')
    .option('--seed <n>', 'seed for random schedules and request mixes (replays a run)')
    .option('--var <name=value...>', 'set ${name} in the file (environment variables work too)')
    .option('-q, --quiet', 'no live view; only the result')
    .description('run an experiment; exit 0 if the hypothesis held, 1 if it deviated or aborted, 2 for a bad file or an unreachable server')
    .addHelpText(
      'after',
      `
Examples:
  faultline experiment run examples/bookinfo/ratings-503.yaml
  faultline experiment run exp.yaml --out results/ --seed 42
  LANDING_URL=http://127.0.0.1:8080 faultline experiment run exp.yaml`,
    )
    .action((file: string, flags: RunFlags) => run(file, flags));
  experiment
    .command('validate')
    .argument('<file>', 'experiment file (YAML or JSON)')
    .option('--var <name=value...>', 'set ${name} in the file')
    .description('check an experiment file without running it (exit 2 when it is bad)')
    .action((file: string, flags: RunFlags) => validate(file, flags));
  experiment
    .command('schema')
    .description('print the JSON Schema of experiment files')
    .action(async () => print(JSON.stringify((await experiments()).experimentJsonSchema(), null, 2)));
}
