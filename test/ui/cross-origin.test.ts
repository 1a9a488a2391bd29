import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { launch, SHOTS } from './browser.js';

/**
 * What another website can do to a faultline server from a visitor's browser: every attempt an
 * attack page makes, from another loopback port and through a rebound DNS name, must leave the
 * server as it was.
 */

let server: RunningServer;
let attacker: Server;
let attackerUrl = '';
let browser: Awaited<ReturnType<typeof launch>>;

/** The attack page: tries everything it can, then lists what it saw in #done. */
function attackPage(api: string): string {
  return `<!doctype html><meta charset="utf-8"><title>attack</title>
<iframe id="frame" src="${api}/ui/"></iframe>
<iframe name="sink"></iframe>
<form id="form" method="POST" target="sink" enctype="text/plain" action="${api}/ui/api/proxies/xo_target/presets/offline"><input name='{"a":"' value='"}'></form>
<pre id="done"></pre>
<script>
const api = ${JSON.stringify(api)};
const seen = [];
const attempt = async (label, f) => { try { const r = await f(); seen.push(label + ': ' + (r.type === 'opaque' ? 'opaque' : r.status)); } catch (e) { seen.push(label + ': ' + e.name); } };
(async () => {
  await attempt('create through Toxiproxy route', () => fetch(api + '/proxies', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ name: 'evil', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' }) }));
  await attempt('disable through Toxiproxy route', () => fetch(api + '/proxies/xo_target', { method: 'POST', mode: 'no-cors', body: JSON.stringify({ enabled: false }) }));
  await attempt('disable through dashboard route', () => fetch(api + '/ui/api/proxies/xo_target', { method: 'POST', mode: 'no-cors', body: JSON.stringify({ enabled: false }) }));
  await attempt('toxic with a guessed secret', () => fetch(api + '/ui/api/proxies/xo_target/toxics', { method: 'POST', headers: { 'X-Faultline-Dashboard': 'guess', 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'timeout' }) }));
  await attempt('read the page for its secret', () => fetch(api + '/ui/').then((r) => r.text()).then(() => ({ status: 'read' })));
  await attempt('read the proxies', () => fetch(api + '/ui/api/proxies').then((r) => r.text()).then(() => ({ status: 'read' })));
  await attempt('reset', () => fetch(api + '/reset', { method: 'POST', mode: 'no-cors' }));
  document.getElementById('form').submit();
  await new Promise((r) => setTimeout(r, 500));
  document.getElementById('done').textContent = seen.join('\\n');
})();
</script>`;
}

before(async () => {
  server = await startServer({ port: 0, seed: 3 });
  await server.client.createProxy({ name: 'xo_target', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(attackPage(server.url));
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as { port: number }).port}/`;
  // rebind.test resolves to loopback, as an attacker's domain does after DNS rebinding.
  browser = await launch(['--host-resolver-rules=MAP rebind.test 127.0.0.1']);
});

after(async () => {
  await browser?.close();
  await server?.close();
  attacker?.close();
});

async function assertUntouched(): Promise<void> {
  const proxies = await server.client.proxies();
  assert.deepEqual(Object.keys(proxies), ['xo_target']);
  const target = proxies.xo_target;
  assert.equal(target?.enabled, true);
  assert.deepEqual(target?.toxics, []);
}

test('a page from another origin changes nothing and reads nothing', async () => {
  const page = await browser.context.newPage();
  await page.goto(attackerUrl);
  await page.waitForFunction(() => (document.getElementById('done')?.textContent ?? '') !== '', undefined, { timeout: 15_000 });
  const seen = ((await page.locator('#done').textContent()) ?? '').split('\n');
  console.log(`# ${seen.join(' | ')}`);
  await page.screenshot({ path: `${SHOTS}cross-origin.png` });
  // The server answered (opaque to the page) and refused; reading fails in the browser (CORS).
  assert.ok(seen.includes('read the page for its secret: TypeError'));
  assert.ok(seen.includes('read the proxies: TypeError'));
  assert.ok(seen.includes('toxic with a guessed secret: TypeError'), 'a custom header needs a CORS preflight the server never grants');
  // The browser refuses to show the page in the attacker's frame (frame-ancestors 'none'):
  // no frame of this tab has the dashboard in it (Playwright sees into cross-origin frames).
  for (const frame of page.frames()) assert.equal(await frame.locator('#proxies').count(), 0, `dashboard rendered in a frame at ${frame.url()}`);
  await assertUntouched();
  await page.close();
});

test('a rebound DNS name reaches neither the page nor the API', async () => {
  const port = new URL(server.url).port;
  const page = await browser.context.newPage();
  const res = await page.goto(`http://rebind.test:${port}/ui/`);
  assert.equal(res?.status(), 403);
  assert.match(await res!.text(), /Host "rebind\.test:\d+" is not this server's address/);
  // Now same-origin with the API under the attacker's name: still refused, before and after.
  const statuses = await page.evaluate(async () => {
    const post = (path: string, body: unknown) => fetch(path, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.status);
    return [
      await post('/ui/api/proxies/xo_target', { enabled: false }),
      await post('/proxies/xo_target', { enabled: false }),
      await post('/proxies/xo_target/presets/offline', {}),
    ];
  });
  assert.deepEqual(statuses, [403, 403, 403]);
  await assertUntouched();
  await page.close();
});

test('the page opened at the server\'s own address still works', async () => {
  const page = await browser.context.newPage();
  await page.goto(server.uiUrl as string);
  await page.locator('article[data-proxy="xo_target"]').waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Take down xo_target' }).click();
  await page.locator('article[data-proxy="xo_target"][data-enabled="false"]').waitFor({ timeout: 5000 });
  assert.equal((await server.client.proxy('xo_target')).enabled, false);
  await page.close();
});

test('with an API token, the page asks for it once and then works', async () => {
  const locked = await startServer({ port: 0, seed: 3, apiToken: 'ui-token' });
  const page = await browser.context.newPage();
  try {
    await locked.client.createProxy({ name: 'xo_locked', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    await page.goto(locked.uiUrl as string);
    const input = page.getByLabel('API token');
    await input.waitFor({ timeout: 5000 });
    await input.fill('wrong');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#status', { hasText: 'needs its API token' }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('article[data-proxy="xo_locked"]').count(), 0);
    await input.fill('ui-token');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('article[data-proxy="xo_locked"]').waitFor({ timeout: 10_000 });
    await page.locator('#live.live').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Take down xo_locked' }).click();
    await page.locator('article[data-proxy="xo_locked"][data-enabled="false"]').waitFor({ timeout: 5000 });
    assert.equal((await locked.client.proxy('xo_locked')).enabled, false);
  } finally {
    await page.close();
    await locked.close();
  }
});
