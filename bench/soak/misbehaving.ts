import { connect, createServer, type Server, type Socket } from 'node:net';
import { call, portOf, type ServerProcess } from './server.js';

/** Upstreams that go wrong in the ways real ones do. */
const BEHAVIOURS: Record<string, ((socket: Socket) => void) | null> = {
  // null: nothing listens, so every connection is refused.
  refuses: null,
  resets: (s) => s.resetAndDestroy(),
  'resets mid-stream': (s) => s.write(Buffer.alloc(64 * 1024, 1), () => s.resetAndDestroy()),
  // Never reads: the proxy's writes back up until the client is paused.
  'stops reading': (s) => s.pause(),
  'half-closes': (s) => {
    s.end('bye');
    s.resume();
  },
};

export interface MisbehavingResult {
  seconds: number;
  clientConnections: number;
  apiCalls: number;
  slowestApiMs: number;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A client that connects, writes a lot (until the socket closes or stalls), and goes again. */
async function clientLoop(port: number, until: () => boolean, count: () => void): Promise<void> {
  while (!until()) {
    count();
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const timer = setTimeout(() => socket.destroy(), 500);
      socket.on('connect', () => {
        for (let i = 0; i < 64; i++) if (!socket.write(Buffer.alloc(64 * 1024, 2))) break;
      });
      socket.on('data', () => undefined);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * For `seconds`, clients hammer one proxy per misbehaving upstream while the API is called
 * every 20 ms (listing, adding and removing toxics on those proxies); reports the slowest call.
 */
export async function misbehaving(server: ServerProcess, seconds: number): Promise<MisbehavingResult> {
  const upstreams: Server[] = [];
  const ports: number[] = [];
  for (const [name, behaviour] of Object.entries(BEHAVIOURS)) {
    let upstreamPort: number;
    if (behaviour === null) {
      const closed = createServer();
      upstreamPort = await listen(closed);
      await new Promise((r) => closed.close(r));
    } else {
      // A client's reset reaches these upstreams as a reset (as a direct connection would show
      // it), so every socket needs an error listener, or one RST ends the whole process.
      const upstream = createServer((socket) => {
        socket.on('error', () => undefined);
        behaviour(socket);
      });
      upstreams.push(upstream);
      upstreamPort = await listen(upstream);
    }
    const created = await call(server.url, 'POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` });
    ports.push(portOf(created.json.listen as string));
  }
  const end = performance.now() + seconds * 1000;
  const over = () => performance.now() > end;
  let clientConnections = 0;
  const clients = ports.flatMap((port) => [1, 2].map(() => clientLoop(port, over, () => clientConnections++)));
  let apiCalls = 0;
  let slowest = 0;
  const names = Object.keys(BEHAVIOURS);
  for (let i = 0; !over(); i++) {
    const proxy = encodeURIComponent(names[i % names.length] as string);
    const step = i % 3;
    const res =
      step === 0
        ? await call(server.url, 'GET', '/proxies')
        : step === 1
          ? await call(server.url, 'POST', `/proxies/${proxy}/toxics`, { name: 'slow', type: 'latency', attributes: { latency: 10 } })
          : await call(server.url, 'DELETE', `/proxies/${proxy}/toxics/slow`);
    if (res.status >= 300 && res.status !== 404 && res.status !== 409) throw new Error(`API call ${i}: ${res.status} ${JSON.stringify(res.json)}`);
    apiCalls++;
    slowest = Math.max(slowest, res.ms);
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all(clients);
  for (const name of names) {
    const res = await call(server.url, 'DELETE', `/proxies/${encodeURIComponent(name)}`);
    slowest = Math.max(slowest, res.ms);
    if (res.status !== 204) throw new Error(`delete ${name}: ${res.status}`);
  }
  for (const u of upstreams) u.close();
  return { seconds, clientConnections, apiCalls, slowestApiMs: slowest };
}
