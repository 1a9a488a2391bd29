import type { RunData } from './runner.js';

/** XML attribute and text escaping; messages are kept to one line for CI consumers. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, ' ');
}

interface Case {
  name: string;
  time: number;
  failure?: { message: string; type: string };
  skipped?: string;
}

/**
 * JUnit XML: one suite per experiment, a test case per probe and phase, per threshold and for
 * the rollback. `classname` is the experiment's title, so GitLab's key (classname + name)
 * stays unique across experiments.
 */
export function toJUnit(data: RunData, journalPath?: string): string {
  const cases: Case[] = [];
  const secs = (a: Date, b: Date): number => (b.getTime() - a.getTime()) / 1000;
  const probes = data.experiment.steady_state?.probes ?? [];
  for (const probe of probes) {
    for (const phase of ['before', 'during', 'after'] as const) {
      if (!probe.when.includes(phase)) continue;
      const name = `steady state ${phase}: ${probe.name}`;
      if (phase === 'during') {
        const runs = data.during.flatMap((h) => h.probes.filter((p) => p.probe.name === probe.name));
        const misses = runs.filter((r) => !r.result.ok);
        const last = misses.at(-1);
        if (runs.length === 0) cases.push({ name, time: 0, skipped: 'not run' });
        else cases.push({ name, time: 0, ...(last === undefined ? {} : { failure: { type: 'steady-state', message: `${misses.length} of ${runs.length} checks missed; last: ${last.result.detail}` } }) });
        continue;
      }
      const h = phase === 'before' ? data.before : data.after;
      const r = h?.probes.find((p) => p.probe.name === probe.name);
      if (r === undefined) cases.push({ name, time: 0, skipped: 'not run' });
      else cases.push({ name, time: secs(r.result.start, r.result.end), ...(r.result.ok ? {} : { failure: { type: 'steady-state', message: r.result.detail } }) });
    }
  }
  for (const t of data.thresholds) {
    cases.push({ name: `threshold ${t.threshold.source}`, time: data.methodMs / 1000, ...(t.tripped ? { failure: { type: 'threshold', message: t.message } } : {}) });
  }
  const failed = data.rollbacks.filter((r) => !r.ok);
  cases.push({
    name: 'rollback',
    time: data.rollbacks.reduce((sum, r) => sum + secs(r.start, r.end), 0),
    ...(failed.length === 0 ? {} : { failure: { type: 'rollback', message: failed.map((r) => `${r.what}: ${r.error}`).join('; ') } }),
  });
  if (data.status === 'aborted' || data.status === 'interrupted' || (data.status === 'failed' && !data.deviated && data.before?.met !== false)) {
    cases.push({ name: 'experiment', time: 0, failure: { type: data.status, message: data.reason ?? data.status } });
  }
  const suiteName = data.experiment.title;
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const total = secs(data.start, data.end);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="faultline experiments" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${total}">`,
    `  <testsuite name="${esc(suiteName)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${total}" timestamp="${data.start.toISOString()}">`,
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${esc(suiteName)}" name="${esc(c.name)}" time="${c.time.toFixed(3)}"`;
    if (c.failure !== undefined) lines.push(`${open}>`, `      <failure message="${esc(c.failure.message)}" type="${c.failure.type}">${esc(c.failure.message)}</failure>`, '    </testcase>');
    else if (c.skipped !== undefined) lines.push(`${open}>`, `      <skipped message="${esc(c.skipped)}"/>`, '    </testcase>');
    else lines.push(`${open}/>`);
  }
  lines.push(`    <system-out>${esc(`status: ${data.status}${data.deviated ? ' (deviated)' : ''}${data.reason === undefined ? '' : `; ${data.reason}`}${journalPath === undefined ? '' : `; journal: ${journalPath}`}`)}</system-out>`);
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
