/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { RunCell, RunJson } from '../api/runs.js';
import { RunChart } from './chart.js';
import { formatAge, h, replace } from './dom.js';

/** The server keeps the last 20 (MAX_RUNS in src/api/runs.ts, not imported: that module brings zod). */
const KEEP = 20;
const fixed = (x: number | null, digits: number, unit: string): string => (x === null ? '–' : `${x.toFixed(digits)}${unit}`);

/**
 * One reported run: kind, name, status, phase and elapsed time; an experiment's rate, errors
 * and p99 over time; a matrix's table of cells, those not as expected marked.
 */
class RunCard {
  readonly element: HTMLElement;
  private readonly title = h('h3', {});
  private readonly status = h('span', { class: 'run-status' });
  private readonly summary = h('p', { class: 'summary' });
  private readonly reason = h('p', { class: 'reason' });
  private readonly chart: RunChart | undefined;
  private readonly table = h('div', { class: 'cells' });

  constructor(run: RunJson) {
    this.element = h('article', { class: 'run', 'data-run': run.id, 'aria-labelledby': `run-${run.id}` });
    this.title.id = `run-${run.id}`;
    if (run.kind === 'experiment') this.chart = new RunChart(run.name);
    this.element.append(h('header', {}, this.title, this.status), this.summary, this.reason, this.chart?.element ?? this.table);
    this.update(run);
  }

  update(run: RunJson): void {
    this.element.dataset.status = run.status;
    this.title.textContent = `${run.kind === 'experiment' ? 'Experiment' : 'Matrix'}: ${run.name}`;
    this.status.textContent = run.status;
    this.status.className = `run-status ${run.status}`;
    const where = [run.file, run.phase, `${formatAge(run.elapsed_ms)} elapsed`, `started ${run.started_at.slice(11, 19)}`].filter((x) => x !== null);
    this.summary.textContent = where.join(' · ');
    this.reason.textContent = run.reason ?? '';
    this.reason.hidden = run.reason === null;
    if (this.chart !== undefined) this.drawChart(run);
    else this.drawCells(run);
  }

  private drawChart(run: RunJson): void {
    const last = run.points.at(-1);
    this.chart?.render([
      { cls: 'rate', values: run.points.map((p) => p.rate), text: `rate ${fixed(last?.rate ?? null, 1, '/s')}` },
      { cls: 'errors', values: run.points.map((p) => p.error_rate ?? 0), text: `errors ${fixed(last?.error_rate === null || last === undefined ? null : last.error_rate * 100, 1, '%')}` },
      { cls: 'p99', values: run.points.map((p) => p.p99_ms ?? 0), text: `p99 ${fixed(last?.p99_ms ?? null, 0, ' ms')}` },
    ]);
    const faults = last?.faults ?? [];
    this.chart?.element.setAttribute('data-points', String(run.points.length));
    this.chart?.element.querySelector('figcaption')?.append(` · faults: ${faults.length === 0 ? 'none' : faults.join(', ')}`);
  }

  private drawCells(run: RunJson): void {
    const rows = run.rows.length > 0 ? run.rows : [...new Set(run.cells.map((c) => c.row))];
    const features = run.features.length > 0 ? run.features : [...new Set(run.cells.map((c) => c.feature))];
    const find = (row: string, feature: string): RunCell | undefined => run.cells.find((c) => c.row === row && c.feature === feature);
    const wrong = run.cells.filter((c) => c.outcome !== 'pass').length;
    replace(
      this.table,
      h(
        'table',
        {},
        h('caption', {}, `${run.cells.length} of ${rows.length * features.length} cells run, ${wrong} not as expected`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'failure'), ...features.map((f) => h('th', { scope: 'col' }, f)))),
        h(
          'tbody',
          {},
          ...rows.map((row) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, row),
              ...features.map((feature) => {
                const c = find(row, feature);
                if (c === undefined) return h('td', { class: 'pending' }, '…');
                const ok = c.outcome === 'pass';
                const text = ok ? (c.observed ?? '') : `✗ ${c.observed ?? c.outcome} (expected ${c.expected}${c.observed === null || c.outcome === 'differs' ? '' : `, ${c.outcome}`})`;
                return h('td', { class: ok ? 'pass' : 'wrong', 'data-outcome': c.outcome }, text);
              }),
            ),
          ),
        ),
      ),
    );
  }
}

/** The runs section: newest first, as many as the server keeps. */
export class RunList {
  private readonly cards = new Map<string, RunCard>();

  constructor(
    private readonly list: HTMLElement,
    private readonly empty: HTMLElement,
  ) {}

  show(run: RunJson): void {
    const card = this.cards.get(run.id);
    if (card !== undefined) return card.update(run);
    const created = new RunCard(run);
    this.cards.set(run.id, created);
    this.list.prepend(created.element);
    this.empty.hidden = true;
    for (const [id, old] of this.cards) {
      if (this.cards.size <= KEEP) break;
      old.element.remove();
      this.cards.delete(id);
    }
  }

  /** The server's listing, oldest first: runs it no longer keeps go from the page too. */
  load(runs: readonly RunJson[]): void {
    const kept = new Set(runs.map((r) => r.id));
    for (const [id, card] of this.cards) {
      if (kept.has(id)) continue;
      card.element.remove();
      this.cards.delete(id);
    }
    for (const run of runs) this.show(run);
    this.empty.hidden = this.cards.size > 0;
  }
}
