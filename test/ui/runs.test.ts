import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { parseExperiment, runExperiment } from '../../src/experiments/index.js';
import { checkMatrix, runMatrix } from '../../src/matrix/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { startTarget, type Target } from '../experiments/targets.js';
import { launch, SHOTS } from './browser.js';

/**
 * The dashboard's runs section in headless Chromium: a real experiment and a real matrix run
 * against the server, seen on the page as they start, progress and finish.
 */
let server: RunningServer;
let target: Target;
let browser: Awaited<ReturnType<typeof launch>>;
let page: Page;
let proxyUrl = '';
const PROXY = 'ui_runs_web';

before(async () => {
  server = await startServer({ port: 0, seed: 11 });
  target = await startTarget((_req, res) => res.end('ok'));
  const proxy = await server.client.createProxy({ name: PROXY, listen: '127.0.0.1:0', upstream: target.url.slice('http://'.length) });
  proxyUrl = `http://127.0.0.1:${proxy.port}`;
  browser = await launch();
  page = await browser.context.newPage();
  await page.goto(server.uiUrl as string);
  await page.locator('#live.live').waitFor({ timeout: 10_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await target?.close();
});

test('an experiment run appears, draws its load while running, and finishes on the page', async () => {
  assert.equal(await page.locator('#no-runs').isVisible(), true, 'the empty section says so');
  const exp = parseExperiment(
    `title: ui experiment
servers: [{url: "${server.url}", lease_ttl: 2s}]
duration: 4s
load: {rate: 40, requests: [{url: "${proxyUrl}/"}]}
method:
  - {at: 1s, for: 2s, fault: {proxy: ${PROXY}, type: latency, attributes: {latency: 40}}}
`,
    'ui.yaml',
    {},
  );
  const running = runExperiment(exp, { file: 'ui.yaml' });
  const card = page.locator('article.run', { hasText: 'Experiment: ui experiment' });
  await card.locator('.run-status.running').waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#no-runs').isVisible(), false);
  // Points arrive once a second while the method runs.
  await card.locator('figure[data-points]:not([data-points="0"])').waitFor({ timeout: 5000 });
  const line = await card.locator('polyline.rate').getAttribute('points');
  assert.ok((line ?? '').length > 0, 'the rate line is drawn');
  await page.screenshot({ path: `${SHOTS}runs-experiment.png`, fullPage: true });
  const data = await running;
  assert.equal(data.exitCode, 0, data.reason);
  await card.locator('.run-status.completed').waitFor({ timeout: 5000 });
  const summary = (await card.locator('.summary').textContent()) ?? '';
  assert.match(summary, /ui\.yaml · done · \d+ s elapsed/);
  assert.match((await card.locator('figcaption').textContent()) ?? '', /rate \d+(\.\d)?\/s/);
});

test('a matrix run fills its table cell by cell, the wrong cell marked', async () => {
  const matrix = checkMatrix({
    title: 'ui matrix',
    servers: [{ url: server.url, lease_ttl: '2s' }],
    recovery: '3s',
    features: [{ name: 'Home', probes: [{ http: { url: `${proxyUrl}/`, timeout: '1s', status: 200 } }], degraded: { slower_than: '150ms' } }],
    dependencies: [{ name: 'Web', proxy: PROXY, failures: ['down', { latency: '300ms' }] }],
    expect: { 'Web down': { Home: 'Down' }, 'Web slow': { Home: 'Up' } },
  });
  const running = runMatrix(matrix, { file: 'ui.matrix.yaml' });
  const card = page.locator('article.run', { hasText: 'Matrix: ui matrix' });
  await card.waitFor({ timeout: 5000 });
  // Both cells are there from the start, pending until run.
  await card.locator('td.pass', { hasText: 'Down' }).waitFor({ timeout: 10_000 });
  const result = await running;
  assert.equal(result.exitCode, 1);
  await card.locator('.run-status.failed').waitFor({ timeout: 5000 });
  assert.equal(await card.locator('td.pending').count(), 0);
  const wrong = card.locator('td.wrong');
  assert.equal(await wrong.count(), 1);
  assert.equal(await wrong.textContent(), '✗ Degraded (expected Up)');
  assert.equal(await card.locator('caption').textContent(), '2 of 2 cells run, 1 not as expected');
  assert.equal(await card.locator('.reason').textContent(), '1 of 2 cells not as expected');
  // Newest first: the matrix above the experiment.
  assert.deepEqual(await page.locator('article.run h3').allTextContents(), ['Matrix: ui matrix', 'Experiment: ui experiment']);
  await page.locator('#experiments').screenshot({ path: `${SHOTS}runs.png` });
});
