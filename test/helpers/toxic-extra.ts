import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import type { RunningServer } from '../../src/server/index.js';
import { addToxic, api, createProxy, startTestServer } from './server.js';
import { connectTo, startUpstream, type TestUpstream } from './sockets.js';

/** A server, an upstream and one proxy between them, torn down when the test ends. */
export interface Rig {
  server: RunningServer;
  upstream: TestUpstream;
  proxy: string;
  port: number;
  /** Connects a client through the proxy; it is destroyed when the test ends. */
  connect(options?: { allowHalfOpen?: boolean }): Promise<Socket>;
  toxic(toxic: Record<string, unknown>): Promise<any>;
  update(name: string, body: Record<string, unknown>): Promise<any>;
  remove(name: string): Promise<void>;
}

export async function rig(
  t: TestContext,
  options: { seed?: number; onSocket?: (socket: Socket) => void; proxy?: string } = {},
): Promise<Rig> {
  const server = await startTestServer(options.seed);
  const upstream = await startUpstream(options.onSocket);
  const proxy = options.proxy ?? 'p';
  const clients: Socket[] = [];
  t.after(async () => {
    for (const c of clients) c.destroy();
    await server.close();
    await upstream.close();
  });
  const { port } = await createProxy(server, proxy, upstream.port);
  return {
    server,
    upstream,
    proxy,
    port,
    connect: async (opts) => {
      const socket = await connectTo(port, opts);
      clients.push(socket);
      return socket;
    },
    toxic: (toxic) => addToxic(server, proxy, toxic),
    update: async (name, body) => {
      const res = await api(server, 'POST', `/proxies/${proxy}/toxics/${name}`, body);
      if (res.status !== 200) throw new Error(`update toxic: ${res.status} ${res.text}`);
      return res.json;
    },
    remove: async (name) => {
      const res = await api(server, 'DELETE', `/proxies/${proxy}/toxics/${name}`);
      if (res.status !== 204) throw new Error(`remove toxic: ${res.status} ${res.text}`);
    },
  };
}

/** `count` big-endian uint32 sequence numbers from `start`: any loss, duplicate or swap shows. */
export function sequence(count: number, start = 0): Buffer {
  const buf = Buffer.allocUnsafe(count * 4);
  for (let i = 0; i < count; i++) buf.writeUInt32BE((start + i) >>> 0, i * 4);
  return buf;
}

/** Asserts that `buf` is exactly `sequence(count, start)`, naming the first wrong word. */
export function assertSequence(buf: Buffer, count: number, start = 0): void {
  if (buf.length !== count * 4) throw new Error(`expected ${count * 4} bytes, got ${buf.length}`);
  for (let i = 0; i < count; i++) {
    const got = buf.readUInt32BE(i * 4);
    if (got !== ((start + i) >>> 0)) throw new Error(`word ${i}: expected ${start + i}, got ${got}`);
  }
}

/** Records every read with its arrival time until the socket closes or `stop` is called. */
export function recordReads(socket: Socket): {
  reads: { at: number; data: Buffer }[];
  bytes(): Buffer;
  total(): number;
  stop(): void;
} {
  const reads: { at: number; data: Buffer }[] = [];
  const onData = (data: Buffer) => reads.push({ at: performance.now(), data });
  socket.on('data', onData);
  return {
    reads,
    bytes: () => Buffer.concat(reads.map((r) => r.data)),
    total: () => reads.reduce((n, r) => n + r.data.length, 0),
    stop: () => socket.off('data', onData),
  };
}

/** Resolves once `predicate` holds, checking every few ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Writes with backpressure: resolves when the socket has taken all of `data`. */
export async function writeAll(socket: Socket, data: Buffer): Promise<void> {
  if (!socket.write(data)) await once(socket, 'drain');
}

/** True when `socket` has not closed within `ms`. Puts the socket in flowing mode, as a close is only seen once the socket is read. */
export async function staysOpen(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return false;
  socket.resume();
  let closed = false;
  const onClose = () => (closed = true);
  socket.on('close', onClose);
  await new Promise((resolve) => setTimeout(resolve, ms));
  socket.off('close', onClose);
  return !closed && !socket.destroyed;
}

/**
 * Sends `payload` and a FIN through the rig's echo upstream and collects the reply until the
 * close: a toxic that holds data must pass the FIN on only after the data.
 */
export async function echoThenClose(r: Rig, payload: Buffer): Promise<{ data: Buffer; how: string; ms: number }> {
  const client = await r.connect({ allowHalfOpen: true });
  const rec = recordReads(client);
  const start = performance.now();
  const closed = new Promise<string>((resolve) => {
    let how = 'end';
    client.on('error', (e: NodeJS.ErrnoException) => (how = e.code === 'ECONNRESET' ? 'reset' : (e.code ?? 'error')));
    client.on('close', () => resolve(how));
  });
  client.end(payload);
  const how = await closed;
  return { data: rec.bytes(), how, ms: performance.now() - start };
}
