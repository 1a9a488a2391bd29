import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { addToxic, createProxy } from '../helpers/server.js';
import { BIN } from '../helpers/binary.js';
import { connectTo, readBytes, sleep, startUpstream, unusedPort, waitClosed } from '../helpers/sockets.js';

/** Runs the server binary, drives one proxy through a change and a connection, stops it with SIGINT. */
async function session(args: string[], env: Record<string, string> = {}) {
  const echo = await startUpstream();
  const apiPort = await unusedPort();
  const child = spawn(process.execPath, [BIN, 'server', '--port', String(apiPort), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: '', ...env },
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  // Polled rather than read from the log: at level error the server says nothing at all.
  const url = `http://127.0.0.1:${apiPort}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/version`).then((r) => r.ok, () => false)) break;
    if (i > 100) {
      child.kill('SIGKILL');
      await echo.close();
      throw new Error(`server did not start: ${stderr}`);
    }
    await sleep(50);
  }
  {
    const { port } = await createProxy({ url }, 'logged', echo.port);
    await addToxic({ url }, 'logged', { type: 'noop' });
    const socket = await connectTo(port);
    socket.write('x');
    await readBytes(socket, 1);
    socket.end();
    await waitClosed(socket);
    await sleep(100);
  }
  child.kill('SIGINT');
  const [code] = (await once(child, 'close')) as [number];
  await echo.close();
  const lines = stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { level: number; msg: string; [key: string]: unknown });
  return { code, lines, messages: lines.map((l) => l.msg), stdout };
}

test('info (the default): JSON lines on stderr for each proxy and toxic change, none per connection', async () => {
  const { code, messages, lines, stdout } = await session([]);
  assert.equal(code, 0, 'SIGINT stops the server cleanly');
  assert.equal(stdout, '', 'logs go to stderr only');
  for (const m of ['faultline API listening', 'Started proxy', 'Created proxy', 'Added toxic', 'Shutting down', 'Terminated proxy']) {
    assert.ok(messages.includes(m), `missing "${m}" in ${JSON.stringify(messages)}`);
  }
  assert.ok(!messages.includes('Accepted client'));
  assert.ok(lines.every((l) => l.level >= 30 && typeof l.time === 'number'));
});

test('debug (flag or LOG_LEVEL): one line per connection, with its bytes, and per request', async () => {
  for (const [args, env] of [
    [['--log-level', 'debug'], {}],
    [[], { LOG_LEVEL: 'debug' }],
  ] as const) {
    const { code, lines, messages } = await session([...args], env);
    assert.equal(code, 0);
    assert.ok(messages.includes('Accepted client'));
    const closed = lines.find((l) => l.msg === 'Connection closed');
    assert.deepEqual(closed?.bytes, { upstream: { received: 1, sent: 1 }, downstream: { received: 1, sent: 1 } });
    assert.ok(lines.some((l) => l.msg === 'Request' && l.handler === 'ToxicCreate' && l.status === 200));
  }
});

test('error level keeps the log quiet', async () => {
  const { code, lines } = await session(['--log-level', 'error']);
  assert.equal(code, 0);
  assert.deepEqual(lines, []);
});
