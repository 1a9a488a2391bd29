import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markdownTable, matrixHtml, matrixJson, matrixJUnit, summaryLine, terminalTable, type CellResult, type MatrixRun, type Outcome, type State } from '../../src/matrix/index.js';

/** The outputs of one recorded run holding every outcome a cell can have. */
const start = new Date('2026-01-01T10:00:00Z');

function cell(row: string, feature: string, expected: State, observed: State | null, outcome: Outcome, reason: string): CellResult {
  return { row, feature, expected, observed, outcome, reason, recovered: outcome === 'pass' || outcome === 'differs', recoveryMs: outcome === 'pass' ? 120 : null, fault: `proxy ${row.toLowerCase()} down`, probes: [], rollbacks: [{ what: `re-enable proxy ${row.toLowerCase()} on default`, ok: true, start, end: start }], start, durationMs: 250 };
}

const run: MatrixRun = {
  title: 'Shop <&>',
  rows: ['MySQL', 'Redis'],
  features: ['Storefront', 'Checkout', 'Signups'],
  expected: { MySQL: { Storefront: 'Degraded', Checkout: 'Down', Signups: 'Down' }, Redis: { Storefront: 'Up', Checkout: 'Down', Signups: 'Up' } },
  cells: [
    cell('MySQL', 'Storefront', 'Degraded', 'Down', 'differs', 'status 503, expected 200'),
    cell('MySQL', 'Checkout', 'Down', 'Down', 'pass', 'status 503'),
    cell('MySQL', 'Signups', 'Down', 'Down', 'no-recovery', 'Down under the fault, and still Down 5s after it was removed'),
    cell('Redis', 'Storefront', 'Up', null, 'broken-baseline', 'not Up before the fault: Down (timed out)'),
    cell('Redis', 'Checkout', 'Down', null, 'interrupted', 'interrupted (the fault was removed)'),
  ],
  warnings: [],
  interrupted: true,
  start,
  end: new Date(start.getTime() + 3000),
  exitCode: 1,
};

test('terminal: plain text marks wrong cells with !, colour paints states and reverses wrong cells', () => {
  const plain = terminalTable(run, false);
  assert.equal(
    plain,
    [
      '|       | Storefront                 | Checkout      | Signups             |',
      '|-------|----------------------------|---------------|---------------------|',
      '| MySQL | ! Down (expected Degraded) | Down          | ! Down, no recovery |',
      '| Redis | ! baseline not Up          | ! interrupted | –                   |',
    ].join('\n'),
  );
  const colour = terminalTable(run, true);
  assert.ok(colour.includes('\x1b[7m\x1b[31mDown (expected Degraded)'), colour);
  assert.ok(colour.includes('| \x1b[31mDown       \x1b[0m |'), colour);
  assert.ok(colour.endsWith('| –                 |'), colour);
  assert.equal(summaryLine(run), '1 of 6 cells as expected, 1 differ, 1 did not recover, 1 with a broken baseline, 1 not run');
});

test('Markdown, JUnit, JSON and HTML agree on the same cells', () => {
  const md = markdownTable(run);
  assert.match(md, /^### Shop <&>\n/);
  assert.match(md, /\| \*\*MySQL\*\* \| ❌ \*\*Down \(expected Degraded\)\*\* \| Down \| ❌ \*\*Down, no recovery\*\* \|/);
  assert.match(md, /- MySQL × Storefront: Down \(expected Degraded\): status 503, expected 200/);
  const xml = matrixJUnit(run);
  assert.match(xml, /<testsuite name="Shop &lt;&amp;&gt;" tests="6" failures="2" errors="1" skipped="2"/);
  assert.match(xml, /<testcase classname="Shop &lt;&amp;&gt;\.MySQL" name="MySQL × Signups: expected Down" time="0\.250">\n\s+<failure message="Down, no recovery: [^"]+" type="no-recovery">/);
  assert.match(xml, /<error message="baseline not Up: not Up before the fault: Down \(timed out\)" type="broken-baseline">/);
  const json = matrixJson(run) as { observed: unknown; expected: Record<string, Record<string, unknown>>; cells: { outcome: string }[] };
  assert.deepEqual(json.observed, { MySQL: { Storefront: 'Down', Checkout: 'Down', Signups: 'Down' } });
  assert.equal(json.expected.Redis?.Signups, 'Up');
  assert.deepEqual(json.cells.map((c) => c.outcome), ['differs', 'pass', 'no-recovery', 'broken-baseline', 'interrupted']);
  const html = matrixHtml(run);
  assert.match(html, /<title>Shop &lt;&amp;&gt; — resiliency matrix<\/title>/);
  assert.match(html, /<td class="Down bad" title="proxy mysql down; status 503, expected 200">Down \(expected Degraded\)<\/td>/);
  assert.match(html, /<td class="Down" title="proxy mysql down; status 503">Down<small>Up again in 120 ms<\/small><\/td>/);
  assert.match(html, /<td class="none" title="not run">–<\/td>/);
  assert.doesNotMatch(html, /<script/);
});
