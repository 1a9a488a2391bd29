import { connect, type Socket } from 'node:net';
import { call, type ServerProcess } from './server.js';

export interface SlowClientsResult {
  slowClients: number;
  /** Slow clients whose connection was still open at the end (the server did not drop them early). */
  stillOpen: number;
  seconds: number;
  normalCalls: number;
  slowestNormalMs: number;
}

/**
 * `count` clients each send a request's header one byte a second while a normal client calls
 * the API every 20 ms; the slow ones must not delay it.
 */
export async function slowClients(server: ServerProcess, count: number, seconds: number): Promise<SlowClientsResult> {
  const { hostname, port } = new URL(server.url);
  const request = 'GET /proxies HTTP/1.1\r\nHost: faultline\r\nUser-Agent: slow\r\nX-Padding: ' + 'p'.repeat(200) + '\r\n\r\n';
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined);
    sockets.push(socket);
    let at = 0;
    // Spread the first bytes over the first second, as real clients would arrive.
    timers.push(
      setTimeout(() => {
        socket.write(request[at++] as string);
        timers.push(setInterval(() => socket.writable && at < request.length && socket.write(request[at++] as string), 1000));
      }, (i * 1000) / count),
    );
  }
  const end = performance.now() + seconds * 1000;
  let normalCalls = 0;
  let slowest = 0;
  while (performance.now() < end) {
    const res = await call(server.url, 'GET', '/proxies');
    if (res.status !== 200) throw new Error(`normal call: ${res.status}`);
    normalCalls++;
    slowest = Math.max(slowest, res.ms);
    await new Promise((r) => setTimeout(r, 20));
  }
  const stillOpen = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  return { slowClients: count, stillOpen, seconds, normalCalls, slowestNormalMs: slowest };
}
