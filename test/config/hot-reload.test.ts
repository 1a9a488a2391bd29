import assert from 'node:assert/strict';
import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer, type SyncSummary } from '../../src/server/index.js';
import { connectTo, roundTrip, startUpstream, type TestUpstream } from '../helpers/sockets.js';

let echo: TestUpstream;
let server: RunningServer;
let path: string;
const reloads: ((summary: SyncSummary | undefined) => void)[] = [];

/** Resolves with the summary of the next reload the watcher performs. */
const nextReload = () => new Promise<SyncSummary | undefined>((resolve) => reloads.push(resolve));

function config(proxies: string): string {
  return `proxies:\n${proxies}`;
}
const proxyA = (latency: number) => `  - name: a
    listen: 127.0.0.1:0
    upstream: 127.0.0.1:${echo.port}
    toxics:
      - {name: lag, type: latency, attributes: {latency: ${latency}}}
`;
const proxyB = () => `  - {name: b, listen: "127.0.0.1:0", upstream: "127.0.0.1:${echo.port}"}\n`;

/** Writes the file and waits for the watcher to apply it. */
async function edit(text: string): Promise<SyncSummary | undefined> {
  const reloaded = nextReload();
  await writeFile(path, text);
  return reloaded;
}

before(async () => {
  echo = await startUpstream();
  path = join(await mkdtemp(join(tmpdir(), 'faultline-watch-')), 'faultline.yaml');
  await writeFile(path, config(proxyA(0)));
  server = await startServer({ port: 0, config: path, watch: true, onConfigReload: (s) => reloads.shift()?.(s) });
});
after(async () => {
  await server.close();
  await echo.close();
});

test('edits are applied as differences while a connection stays open through them', async () => {
  const a = await server.client.proxy('a');
  const socket = await connectTo(a.port);
  assert.ok((await roundTrip(socket, 'x')) < 100);

  // An unrelated edit: proxy a and its connection are not touched.
  let summary = await edit(config(proxyA(0) + proxyB()));
  assert.deepEqual(summary, { created: ['b'], updated: [], deleted: [], errors: [] });
  assert.equal((await server.client.proxy('a')).listen, a.listen, 'a keeps its listener (its :0 port is not re-bound)');
  assert.ok((await roundTrip(socket, 'y')) < 100, 'the live connection still works');

  // A changed toxic is retuned in place, on the live connection.
  summary = await edit(config(proxyA(150) + proxyB()));
  assert.deepEqual(summary?.updated, ['a']);
  assert.ok((await roundTrip(socket, 'z')) >= 140, 'the new latency acts on the same socket');

  // A broken edit is reported and ignored: the running state is kept.
  summary = await edit('proxies: [ {name: a');
  assert.equal(summary, undefined);
  const lag = (await server.client.proxy('a')).toxics[0];
  assert.equal(lag?.type === 'latency' && lag.attributes.latency, 150);
  assert.equal((await server.client.proxy('b')).enabled, true);

  // A proxy made through the API is not the file's to remove.
  await server.client.createProxy({ name: 'manual', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });

  // Removing b and the toxic, saved the way editors do: a new file renamed over the old one.
  const reloaded = nextReload();
  const temporary = `${path}.tmp`;
  await writeFile(temporary, config(`  - name: a\n    listen: 127.0.0.1:0\n    upstream: 127.0.0.1:${echo.port}\n`));
  await rename(temporary, path);
  summary = await reloaded;
  assert.deepEqual(summary?.deleted, ['b']);
  assert.deepEqual((await server.client.proxy('a')).toxics, []);
  assert.deepEqual(Object.keys(await server.client.proxies()).sort(), ['a', 'manual']);
  assert.ok((await roundTrip(socket, 'w')) < 100, 'the latency is gone from the live connection, which is still open');
  socket.destroy();
});

test('a reload callback that throws does not stop later reloads, and a deleted declared proxy comes back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-watch-'));
  const file = join(dir, 'f.yaml');
  const proxyC = `  - {name: c, listen: "127.0.0.1:0", upstream: "127.0.0.1:${echo.port}"}\n`;
  await writeFile(file, config(proxyC));
  let calls = 0;
  const seen: (SyncSummary | undefined)[] = [];
  const watched = await startServer({
    port: 0,
    config: file,
    watch: true,
    onConfigReload: (summary) => {
      calls++;
      seen.push(summary);
      if (calls === 1) throw new Error('an embedder bug');
    },
  });
  try {
    await writeFile(file, config(proxyC + `  - {name: d, listen: "127.0.0.1:0", upstream: "127.0.0.1:${echo.port}"}\n`));
    for (let i = 0; i < 100 && calls < 1; i++) await new Promise((r) => setTimeout(r, 20));
    await watched.client.proxy('c').then((c) => c.delete());
    await writeFile(file, config(proxyC.replace('"127.0.0.1:0"', '"127.0.0.1:0" , enabled: true')));
    for (let i = 0; i < 100 && calls < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls, 2, 'the second reload ran although the first callback threw');
    assert.deepEqual(seen[1]?.deleted, ['d']);
    assert.deepEqual(seen[1]?.created, ['c'], 'c, deleted through the API, is declared again');
    assert.equal((await watched.client.proxy('c')).enabled, true);
  } finally {
    await watched.close();
  }
});
