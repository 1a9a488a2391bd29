import type { MatrixRun } from './runner.js';
import { cellText } from './table.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, ' ');
}

/**
 * JUnit XML, a test case per cell: `classname` is the row ("Redis"), `name` the feature, so CI
 * pages group a dependency's cells. A differing or non-recovering cell is a failure; one that
 * could not be judged is an error; one not run (interrupted, `--only`) is skipped.
 */
export function matrixJUnit(run: MatrixRun): string {
  const total = (run.end.getTime() - run.start.getTime()) / 1000;
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const row of run.rows) {
    for (const feature of run.features) {
      const cell = run.cells.find((c) => c.row === row && c.feature === feature);
      const expected = run.expected[row]?.[feature];
      const open = `    <testcase classname="${esc(`${run.title}.${row}`)}" name="${esc(`${row} × ${feature}: expected ${expected}`)}" time="${((cell?.durationMs ?? 0) / 1000).toFixed(3)}"`;
      if (cell === undefined || cell.outcome === 'interrupted') {
        skipped++;
        cases.push(`${open}>`, `      <skipped message="${cell === undefined ? 'not run' : 'interrupted'}"/>`, '    </testcase>');
      } else if (cell.outcome === 'pass') {
        cases.push(`${open}/>`);
      } else {
        const message = `${cellText(cell, expected).text}: ${cell.reason}`;
        const tag = cell.outcome === 'differs' || cell.outcome === 'no-recovery' ? 'failure' : 'error';
        if (tag === 'failure') failures++;
        else errors++;
        cases.push(`${open}>`, `      <${tag} message="${esc(message)}" type="${cell.outcome}">${esc(`${message}; fault: ${cell.fault}`)}</${tag}>`, '    </testcase>');
      }
    }
  }
  const n = run.rows.length * run.features.length;
  const counts = `tests="${n}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${total}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="faultline matrix" ${counts}>`,
    `  <testsuite name="${esc(run.title)}" ${counts} timestamp="${run.start.toISOString()}">`,
    ...cases,
    `    <system-out>${esc(`${run.interrupted ? 'interrupted; ' : ''}${run.error === undefined ? '' : `${run.error}; `}${run.warnings.join('; ')}`)}</system-out>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
