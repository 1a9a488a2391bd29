import type { MatrixRun } from './runner.js';
import { cellText, findCell, summaryLine } from './table.js';

const esc = (s: unknown): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.5em .9em;text-align:left;vertical-align:top}
td.Up{background:#dff3e0}td.Degraded{background:#fff1c7}td.Down{background:#f8d4d4}td.none{background:#eee}
td.bad{outline:3px solid #c00;outline-offset:-3px;font-weight:600}small{color:#555;display:block;font-weight:normal}
details{margin:.3em 0}code{font-size:12px}`;

/** A self-contained page (inline CSS, no script, nothing fetched) that opens from a CI artifact. */
export function matrixHtml(run: MatrixRun): string {
  const rows = run.rows.map((row) => {
    const cells = run.features.map((f) => {
      const cell = findCell(run, row, f);
      const t = cellText(cell, run.expected[row]?.[f]);
      const title = cell === undefined ? 'not run' : `${cell.fault}; ${cell.reason}`;
      const recovery = cell?.recoveryMs === null || cell === undefined ? '' : `<small>Up again in ${Math.round(cell.recoveryMs)} ms</small>`;
      return `<td class="${t.state ?? 'none'}${t.bad ? ' bad' : ''}" title="${esc(title)}">${esc(t.text)}${recovery}</td>`;
    });
    return `<tr><th>${esc(row)}</th>${cells.join('')}</tr>`;
  });
  const details = run.cells.map(
    (c) =>
      `<details><summary>${esc(`${c.row} × ${c.feature}`)}: ${esc(c.outcome)} (${esc(c.observed ?? '–')}, expected ${esc(c.expected)})</summary><p>${esc(c.fault)} — ${esc(c.reason)}</p><ul>${c.probes
        .map((p) => `<li>${esc(p.probe)} #${p.attempt}: <b>${esc(p.state)}</b> ${esc(p.reason)}</li>`)
        .join('')}${c.rollbacks.map((r) => `<li>${esc(r.what)}: ${r.ok ? 'done' : `FAILED ${esc(r.error)}`}</li>`).join('')}</ul></details>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(run.title)} — resiliency matrix</title><style>${CSS}</style></head>
<body><h1>${esc(run.title)}</h1>
<p>${esc(summaryLine(run))}${run.interrupted ? ' (interrupted)' : ''}${run.error === undefined ? '' : ` — ${esc(run.error)}`}. ${esc(run.start.toISOString())}, ${((run.end.getTime() - run.start.getTime()) / 1000).toFixed(1)} s.</p>
<table><tr><th></th>${run.features.map((f) => `<th>${esc(f)}</th>`).join('')}</tr>
${rows.join('\n')}</table>
<h2>Cells</h2>
${details.join('\n')}
${run.warnings.length === 0 ? '' : `<h2>Warnings</h2><ul>${run.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`}
</body></html>
`;
}
