import { formatDuration } from './duration.js';
import type { RunData } from './runner.js';
import type { SeriesPoint } from './series.js';

/**
 * A self-contained HTML report: inline CSS and SVG drawn here, no script, nothing fetched, so
 * it opens from a CI artifact as it is. Charts share one time axis with the fault windows
 * shaded.
 */
const esc = (s: unknown): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Line {
  label: string;
  color: string;
  values: number[];
}

const W = 860;
const H = 200;
const PAD = { l: 56, r: 12, t: 12, b: 26 };

function niceMax(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function chart(title: string, unit: string, lines: Line[], seconds: number, windows: { from: number; to: number; label: string }[]): string {
  const max = niceMax(Math.max(0, ...lines.flatMap((l) => l.values)));
  const span = Math.max(1, seconds);
  const x = (t: number): number => PAD.l + ((W - PAD.l - PAD.r) * t) / span;
  const y = (v: number): number => H - PAD.b - ((H - PAD.t - PAD.b) * v) / max;
  const parts: string[] = [];
  for (const w of windows) {
    const a = x(Math.max(0, w.from));
    const b = x(Math.min(span, w.to));
    parts.push(`<rect x="${a.toFixed(1)}" y="${PAD.t}" width="${Math.max(1, b - a).toFixed(1)}" height="${H - PAD.t - PAD.b}" fill="#f4a3a3" fill-opacity="0.35"><title>${esc(w.label)}</title></rect>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toFixed(2))}</text>`);
  }
  const step = Math.max(1, Math.ceil(span / 10));
  for (let t = 0; t <= span; t += step) parts.push(`<text x="${x(t)}" y="${H - 8}" text-anchor="middle">${t}s</text>`);
  for (const l of lines) {
    // Each value is that second's figure, drawn at the middle of the second.
    const pts = l.values.map((v, i) => `${x(i + 0.5).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${l.color}" stroke-width="1.8" points="${pts}"/>`);
  }
  const legend = lines.map((l) => `<span><i style="background:${l.color}"></i>${esc(l.label)}</span>`).join(' ');
  return `<figure><figcaption>${esc(title)} <small>(${esc(unit)})</small> <span class="legend">${legend}</span></figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg></figure>`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const badge = (ok: boolean, yes = 'pass', no = 'fail'): string => `<b class="${ok ? 'ok' : 'bad'}">${ok ? yes : no}</b>`;

export function toHtml(data: RunData): string {
  const series: SeriesPoint[] = data.series;
  const seconds = Math.max(series.length, data.methodMs / 1000);
  const windows = data.steps.flatMap((r) => r.windows.map(([a, b]) => ({ from: a / 1000, to: (Number.isFinite(b) ? b : data.methodMs) / 1000, label: r.step.name })));
  const ok = data.exitCode === 0;
  const verdict = ok ? 'hypothesis held' : data.exitCode === 2 ? 'not run' : data.deviated ? 'deviated' : data.status;
  const charts =
    series.length === 0
      ? '<p>No built-in load in this experiment: no time series.</p>'
      : [
          chart('Throughput', 'requests/s', [
            { label: 'offered', color: '#999', values: series.map((p) => p.offered) },
            { label: 'completed', color: '#2b6cb0', values: series.map((p) => p.completed) },
            { label: 'failed', color: '#c53030', values: series.map((p) => p.failed) },
          ], seconds, windows),
          chart('Latency from intended send time', 'ms', [
            { label: 'p50', color: '#2f855a', values: series.map((p) => p.p50) },
            { label: 'p90', color: '#d69e2e', values: series.map((p) => p.p90) },
            { label: 'p99', color: '#c53030', values: series.map((p) => p.p99) },
          ], seconds, windows),
          chart('Errors', 'per second', [
            { label: 'failed', color: '#c53030', values: series.map((p) => p.failed) },
            { label: 'dropped (in-flight cap)', color: '#805ad5', values: series.map((p) => p.dropped) },
          ], seconds, windows),
        ].join('\n');
  const load = data.load;
  const loadTable =
    load === null
      ? ''
      : `<h2>Load</h2>${table(['offered', 'sent', 'achieved', 'completed', 'failed', 'timeouts', 'dropped', 'p50', 'p90', 'p99', 'max'], [
          [load.offered, load.sent, `${load.achieved_rps} rps`, load.completed, load.failed, load.timeouts, load.dropped, `${load.response_time.p50 ?? '–'} ms`, `${load.response_time.p90 ?? '–'} ms`, `${load.response_time.p99 ?? '–'} ms`, `${load.response_time.max ?? '–'} ms`].map(String),
        ])}<p class="note">Latencies from each request's intended send time (open model; no coordinated omission). Statuses: ${esc(JSON.stringify(load.statuses))}</p>`;
  const hyp = (label: string, h: RunData['before']): string[][] =>
    h === null ? [] : h.probes.map((p) => [esc(label), esc(p.probe.name), badge(p.result.ok, 'met', p.result.error === undefined ? 'missed' : 'error'), esc(p.result.detail)]);
  const duringMisses = data.during.flatMap((h) => h.probes.filter((p) => !p.result.ok)).length;
  const probesRows = [...hyp('before', data.before), ...(data.during.length > 0 ? [['during', 'all', badge(duringMisses === 0, 'met', 'missed'), `${data.during.length} checks, ${duringMisses} probe misses`]] : []), ...hyp('after', data.after)];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(data.experiment.title)} — faultline experiment</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:900px;color:#222}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.verdict{padding:10px 14px;border-radius:6px;margin:12px 0;font-size:16px}
.verdict.ok{background:#e6f4ea;border:1px solid #2f855a}.verdict.bad{background:#fdecea;border:1px solid #c53030}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{border-bottom:1px solid #e2e2e2;padding:4px 6px;text-align:left;vertical-align:top}
b.ok{color:#2f855a}b.bad{color:#c53030}figure{margin:10px 0}figcaption{font-weight:600}
svg{width:100%;height:auto;font-size:10px;fill:#555}.legend span{font-weight:400;margin-left:10px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.note,small{color:#666}code{background:#f5f5f5;padding:0 3px}
</style></head><body>
<h1>${esc(data.experiment.title)}</h1>
<div>${esc(data.experiment.description ?? '')}</div>
<div class="verdict ${ok ? 'ok' : 'bad'}"><b>${esc(verdict)}</b> — status <code>${esc(data.status)}</code>${data.deviated ? ', deviated' : ''}, exit ${data.exitCode}${data.reason === undefined ? '' : `<br>${esc(data.reason)}`}</div>
<p class="note">Started ${esc(data.start.toISOString())}, took ${esc(formatDuration(data.end.getTime() - data.start.getTime()))}; method ${esc(formatDuration(data.methodMs))}. Seed ${data.seed}. Shaded: fault windows.</p>
${data.warnings.map((w) => `<p class="note">⚠ ${esc(w)}</p>`).join('')}
<h2>Over time</h2>
${charts}
${loadTable}
<h2>Thresholds</h2>
${data.thresholds.length === 0 ? '<p>None.</p>' : table(['threshold', 'result', 'detail'], data.thresholds.map((t) => [`<code>${esc(t.threshold.source)}</code>`, badge(!t.tripped, 'held', `tripped at ${formatDuration(t.trippedAt ?? 0)}`), esc(t.message)]))}
<h2>Steady state</h2>
${probesRows.length === 0 ? '<p>No probes.</p>' : table(['phase', 'probe', 'result', 'detail'], probesRows)}
<h2>Method</h2>
${table(['at', 'until', 'step', 'status'], data.steps.map((r) => [formatDuration(r.step.startMs), Number.isFinite(r.step.endMs) ? formatDuration(r.step.endMs) : 'end', esc(r.step.name), `${esc(r.status)}${r.error === undefined ? '' : `: ${esc(r.error)}`}`]))}
<h2>Rollback</h2>
${data.rollbacks.length + data.userRollbacks.length === 0 ? '<p>Nothing to roll back.</p>' : table(['action', 'result'], [...data.rollbacks.map((r) => [esc(r.what), r.ok ? badge(true, 'done') : `${badge(false)} ${esc(r.error)}`]), ...data.userRollbacks.map((r) => [esc(r.action.name ?? 'user rollback'), r.ok ? badge(true, 'done') : `${badge(false)} ${esc(r.error)}`])])}
</body></html>
`;
}
