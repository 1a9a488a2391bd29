import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { readBytes } from './sockets.js';
import type { ApiResponse } from './server.js';

/** Content type of Toxiproxy's errors and plain-text answers (Go's http.Error). */
export const TEXT = 'text/plain; charset=utf-8';

/** A generous bound for an API call to come back in; no test depends on tighter timing. */
export const PROMPT_MS = 2000;

/** Toxiproxy's request ids are xids: 20 characters of base32hex, lower case. */
export const REQUEST_ID = /^[0-9a-v]{20}$/;

/** Asserts Toxiproxy's error answer: `{"error":"…","status":N}\n` as text/plain. */
export function assertError(res: ApiResponse, status: number, message: string): void {
  assert.equal(res.status, status, `status of ${res.text}`);
  assert.equal(res.text, `${JSON.stringify({ error: message, status })}\n`);
  assertErrorHeaders(res);
}

/** Like assertError, for messages whose tail comes from a parser: checks the start only. */
export function assertErrorStartsWith(res: ApiResponse, status: number, prefix: string): string {
  assert.equal(res.status, status, `status of ${res.text}`);
  assert.ok(res.text.endsWith('\n'), 'error body ends with a newline');
  assert.deepEqual(Object.keys(res.json), ['error', 'status']);
  assert.equal(res.json.status, status);
  const message = res.json.error as string;
  assert.ok(message.startsWith(prefix), `${JSON.stringify(message)} starts with ${JSON.stringify(prefix)}`);
  assertErrorHeaders(res);
  return message;
}

function assertErrorHeaders(res: ApiResponse): void {
  assert.equal(res.headers.get('content-type'), TEXT);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('x-toxiproxy-request-id') ?? '', REQUEST_ID);
}

/** Asserts a JSON success answer: status, `application/json`, no trailing newline. */
export function assertJson(res: ApiResponse, status: number): void {
  assert.equal(res.status, status, `status of ${res.text}`);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.ok(!res.text.endsWith('\n'), 'JSON answers have no trailing newline');
  assert.notEqual(res.json, undefined, 'body is JSON');
}

/** Asserts a 204 with an empty body. */
export function assertNoContent(res: ApiResponse): void {
  assert.equal(res.status, 204, `status of ${res.text}`);
  assert.equal(res.text, '');
}

/** The port of a listen address such as `127.0.0.1:1234` or `[::]:1234`. */
export function portOf(listen: string): number {
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  assert.ok(Number.isInteger(port) && port > 0, `a port in ${listen}`);
  return port;
}

/** Tries to connect to 127.0.0.1:port: 'connected' (and closes it again), or the error code. */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/** Binds a plain TCP server on host:port; rejects with the bind error. */
export async function bindPort(port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Runs an API call and asserts it answered within PROMPT_MS. */
export async function prompt<T>(label: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await call();
  const took = performance.now() - started;
  assert.ok(took < PROMPT_MS, `${label} answered in ${Math.round(took)} ms (bound ${PROMPT_MS} ms)`);
  return result;
}

/** Asserts an echo round trip of `text` through `socket` still works: the connection is alive. */
export async function assertEchoes(socket: Socket, text: string): Promise<void> {
  assert.ok(!socket.destroyed, 'socket still open');
  socket.write(text);
  const got = await readBytes(socket, Buffer.byteLength(text), 3000);
  assert.equal(got.toString(), text);
}

/** Polls `check` until it holds, failing after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

