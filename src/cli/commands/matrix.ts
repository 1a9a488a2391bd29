import type { Command } from 'commander';
import { fileVars } from '../file-vars.js';
import { print } from '../output.js';

interface MatrixFlags {
  out?: string;
  json?: string;
  markdown?: string;
  junit?: string;
  html?: string;
  update?: boolean;
  only?: string[];
  var?: string[];
  quiet?: boolean;
}

/** Exit statuses: 0 every cell as expected, 1 a cell differs or did not recover, 2 a bad file (or one that does not fit the servers). */
const BAD_INPUT = 2;

/** Loaded on use, as the experiment command does, to keep every other command's start fast. */
const matrixModule = () => import('../../matrix/index.js');

function badInput(what: string, message: string): never {
  process.stderr.write(`faultline: ${what}\n${message}\n`);
  process.exit(BAD_INPUT);
}

async function load(file: string, flags: MatrixFlags) {
  const { loadMatrix, MatrixFileError } = await matrixModule();
  try {
    return await loadMatrix(file, fileVars(flags.var));
  } catch (err) {
    if (err instanceof MatrixFileError) badInput('bad matrix file', err.message);
    throw err;
  }
}

async function run(file: string, flags: MatrixFlags): Promise<void> {
  const m = await matrixModule();
  const matrix = await load(file, flags);
  try {
    m.selectCells(matrix, flags.only);
  } catch (err) {
    if (err instanceof m.OnlyError) badInput('bad --only', err.message);
    throw err;
  }
  const interrupt = new AbortController();
  let signals = 0;
  const onSignal = (name: string): void => {
    // A second Ctrl-C is impatience, not a reason to leave a fault behind: the lease covers a third.
    if (++signals === 1) process.stderr.write(`\nfaultline: ${name}: removing the fault in place, please wait\n`);
    interrupt.abort();
  };
  const sigint = (): void => onSignal('SIGINT');
  const sigterm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  const tty = process.stderr.isTTY === true;
  const progress = (text: string): void => {
    if (flags.quiet === true) return;
    process.stderr.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
  };
  const run = await m.runMatrix(matrix, {
    signal: interrupt.signal,
    file,
    ...(flags.only === undefined ? {} : { only: flags.only }),
    ...(flags.update === true ? { update: true } : {}),
    onEvent: (e) => {
      if (e.kind === 'note') progress(e.message);
      else if (e.kind === 'cell-start') {
        if (tty) progress(`[${e.index}/${e.total}] ${e.row} × ${e.feature} …`);
      } else {
        const c = e.cell;
        progress(`[${e.index}/${e.total}] ${c.row} × ${c.feature}: ${m.cellText(c, c.expected).text} in ${(c.durationMs / 1000).toFixed(1)}s`);
      }
      if (tty && e.kind !== 'cell-start' && flags.quiet !== true) process.stderr.write('\n');
    },
  });
  process.off('SIGINT', sigint);
  process.off('SIGTERM', sigterm);
  if (run.exitCode === 2) badInput('the matrix does not fit the servers', `${file}: ${run.error ?? 'preflight failed'}`);
  const colour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  print(m.terminalTable(run, colour));
  print();
  print(`${run.title}: ${m.summaryLine(run)}${run.interrupted ? ' (interrupted)' : ''}`);
  for (const line of m.problemLines(run)) print(`  ${line}`);
  if (run.error !== undefined) print(`stopped: ${run.error}`);
  for (const w of run.warnings) print(`warning: ${w}`);
  const written = await m.writeMatrixReports(run, m.matrixReportPaths(flags.out, flags));
  for (const path of written) print(`wrote ${path}`);
  if (flags.update === true) {
    const changed = await m.writeObserved(file, run);
    print(changed.length === 0 ? `${file}: expectations unchanged` : `${file}: updated ${changed.length} expectation(s): ${changed.join('; ')}`);
  }
  process.exitCode = run.exitCode;
}

export function registerMatrix(program: Command): void {
  const matrix = program.command('matrix').description('the resiliency matrix: every feature crossed with every dependency, expected vs observed');
  matrix
    .command('run')
    .argument('<file>', 'matrix file (YAML or JSON)')
    .option('--out <dir>', 'write matrix.json, matrix.md, junit.xml and matrix.html here')
    .option('--json <path>', 'JSON results path')
    .option('--markdown <path>', 'Markdown table path (for a pull-request comment)')
    .option('--junit <path>', 'JUnit XML path (a test case per cell)')
    .option('--html <path>', 'HTML page path')
    .option('--only <names...>', 'run only these rows, dependencies or features (comma-separated or repeated)')
    .option('--update', 'write the observed states back to the file as the new expectations')
    .option('--var <name=value...>', 'set ${name} in the file (environment variables work too)')
    .option('-q, --quiet', 'no progress; only the table')
    .description('run the matrix; exit 0 if every cell is as expected, 1 if one differs or does not recover, 2 for a bad file')
    .addHelpText(
      'after',
      `
Examples:
  faultline matrix run resiliency.yaml
  faultline matrix run resiliency.yaml --only Redis --only Checkout
  faultline matrix run resiliency.yaml --out matrix-results/
  faultline matrix run resiliency.yaml --update`,
    )
    .action((file: string, flags: MatrixFlags) => run(file, flags));
  matrix
    .command('validate')
    .argument('<file>', 'matrix file (YAML or JSON)')
    .option('--var <name=value...>', 'set ${name} in the file')
    .description('check a matrix file without running it (exit 2 when it is bad)')
    .action(async (file: string, flags: MatrixFlags) => {
      const mx = await load(file, flags);
      const { rowsOf } = await matrixModule();
      print(`${file}: valid matrix "${mx.title}": ${rowsOf(mx).length} row(s) × ${mx.features.length} feature(s)`);
    });
  matrix
    .command('schema')
    .description('print the JSON Schema of matrix files')
    .action(async () => print(JSON.stringify((await matrixModule()).matrixJsonSchema(), null, 2)));
}
