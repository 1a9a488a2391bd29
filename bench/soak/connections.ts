import { connect, createServer } from 'node:net';
import { call, portOf, type ServerProcess } from './server.js';

export interface ConnectionsResult {
  connections: number;
  perSecond: number;
  fdsBefore: number;
  fdsAfter: number;
  rssBefore: number;
  /** RSS after each tenth of the connections. */
  rssAt: number[];
}

/** One short connection: connect, send a byte, read the echo, close. */
function shortConnection(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => socket.write('x'));
    socket.once('data', () => socket.end());
    socket.on('close', () => resolve());
    socket.on('error', () => undefined);
  });
}

const settle = () => new Promise((r) => setTimeout(r, 1000));

/**
 * `total` short connections through one proxy, `concurrency` at a time; the server's open
 * descriptors must come back to where they were, and its RSS must level off.
 */
export async function connections(server: ServerProcess, total: number, concurrency = 32): Promise<ConnectionsResult> {
  const echo = createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const created = await call(server.url, 'POST', '/proxies', { name: 'short', listen: '127.0.0.1:0', upstream: `127.0.0.1:${(echo.address() as { port: number }).port}` });
  const port = portOf(created.json.listen as string);
  await shortConnection(port);
  await settle();
  const fdsBefore = server.fds();
  const rssBefore = server.rss();
  const rssAt: number[] = [];
  let done = 0;
  const started = performance.now();
  for (let tenth = 1; tenth <= 10; tenth++) {
    const target = Math.round((total * tenth) / 10);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (done < target) {
          done++;
          await shortConnection(port);
        }
      }),
    );
    rssAt.push(server.rss());
  }
  const seconds = (performance.now() - started) / 1000;
  await settle();
  const fdsAfter = server.fds();
  await call(server.url, 'DELETE', '/proxies/short');
  echo.close();
  return { connections: total, perSecond: Math.round(total / seconds), fdsBefore, fdsAfter, rssBefore, rssAt };
}
