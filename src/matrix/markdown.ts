import type { MatrixRun } from './runner.js';
import { cellText, findCell, problemLines, summaryLine } from './table.js';

/** For a pull-request comment: the table with ❌ on wrong cells, then the reasons. */
export function markdownTable(run: MatrixRun): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = [`### ${esc(run.title)}`, '', `| | ${run.features.map(esc).join(' | ')} |`, `|---|${run.features.map(() => '---').join('|')}|`];
  for (const row of run.rows) {
    const cells = run.features.map((f) => {
      const c = cellText(findCell(run, row, f), run.expected[row]?.[f]);
      return c.bad ? `❌ **${esc(c.text)}**` : esc(c.text);
    });
    lines.push(`| **${esc(row)}** | ${cells.join(' | ')} |`);
  }
  lines.push('', summaryLine(run) + (run.interrupted ? ' (interrupted)' : '') + (run.error === undefined ? '' : ` — ${esc(run.error)}`));
  const problems = problemLines(run);
  if (problems.length > 0) lines.push('', ...problems.map((p) => `- ${p}`));
  return `${lines.join('\n')}\n`;
}
