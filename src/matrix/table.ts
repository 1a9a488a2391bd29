import type { CellResult, MatrixRun } from './runner.js';
import type { State } from './schema.js';

/** How a cell reads in every output: the observed state, and what is wrong with it. */
export interface CellText {
  text: string;
  /** Differs from the expectation, did not recover, or could not be judged. */
  bad: boolean;
  state: State | null;
}

export function cellText(cell: CellResult | undefined, expected: State | undefined): CellText {
  if (cell === undefined) return { text: '–', bad: false, state: null };
  switch (cell.outcome) {
    case 'pass':
      return { text: cell.observed as string, bad: false, state: cell.observed };
    case 'differs':
      return { text: `${cell.observed} (expected ${expected})`, bad: true, state: cell.observed };
    case 'no-recovery':
      return { text: `${cell.observed}, no recovery`, bad: true, state: cell.observed };
    case 'broken-baseline':
      return { text: 'baseline not Up', bad: true, state: null };
    case 'interrupted':
      return { text: 'interrupted', bad: true, state: null };
    default:
      return { text: 'error', bad: true, state: null };
  }
}

export function findCell(run: MatrixRun, row: string, feature: string): CellResult | undefined {
  return run.cells.find((c) => c.row === row && c.feature === feature);
}

const COLOUR: Record<State, string> = { Up: '\x1b[32m', Degraded: '\x1b[33m', Down: '\x1b[31m' };
const RESET = '\x1b[0m';

/**
 * The table people drew by hand, from the live system. On a terminal, states are coloured
 * and a wrong cell is shown in reverse video; in CI logs, a wrong cell is marked with `!`.
 */
export function terminalTable(run: MatrixRun, colour: boolean): string {
  const grid = run.rows.map((row) => run.features.map((f) => cellText(findCell(run, row, f), run.expected[row]?.[f])));
  const header = ['', ...run.features];
  const plain = run.rows.map((row, i) => [row, ...(grid[i] ?? []).map((c) => (c.bad && !colour ? `! ${c.text}` : c.text))]);
  const widths = header.map((h, j) => Math.max(h.length, ...plain.map((r) => (r[j] ?? '').length)));
  const line = (cells: readonly string[], paint?: (j: number, padded: string) => string): string =>
    `| ${cells.map((c, j) => (paint === undefined ? c.padEnd(widths[j] ?? 0) : paint(j, c.padEnd(widths[j] ?? 0)))).join(' | ')} |`;
  const out = [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  plain.forEach((cells, i) => {
    out.push(
      line(cells, (j, padded) => {
        const c = j === 0 ? undefined : grid[i]?.[j - 1];
        if (!colour || c === undefined || (c.state === null && !c.bad)) return padded;
        const tint = c.state === null ? '\x1b[35m' : COLOUR[c.state];
        return c.bad ? `\x1b[7m${tint}${padded}${RESET}` : `${tint}${padded}${RESET}`;
      }),
    );
  });
  return out.join('\n');
}

/** One line per cell that is not as expected, with the reason. */
export function problemLines(run: MatrixRun): string[] {
  return run.cells.filter((c) => c.outcome !== 'pass').map((c) => `${c.row} × ${c.feature}: ${cellText(c, c.expected).text}: ${c.reason}`);
}

export function summaryLine(run: MatrixRun): string {
  const count = (o: CellResult['outcome']): number => run.cells.filter((c) => c.outcome === o).length;
  const total = run.rows.length * run.features.length;
  const parts = [`${count('pass')} of ${total} cells as expected`];
  if (count('differs') > 0) parts.push(`${count('differs')} differ`);
  if (count('no-recovery') > 0) parts.push(`${count('no-recovery')} did not recover`);
  if (count('broken-baseline') > 0) parts.push(`${count('broken-baseline')} with a broken baseline`);
  if (count('error') > 0) parts.push(`${count('error')} errors`);
  if (run.cells.length < total) parts.push(`${total - run.cells.length} not run`);
  return parts.join(', ');
}
