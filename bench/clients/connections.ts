import { connect, type Socket } from 'node:net';
import { serveCommands } from '../lib/lines.js';

/**
 * Holds many connections to an echo upstream for the idle and control-plane scenarios, driven
 * step by step by the bench over stdin:
 *   {cmd:'open', port, count}   open `count` connections at once; answers when all connected
 *   {cmd:'echo'}                every open connection sends one byte and waits for it back
 *   {cmd:'stall', port, bytes}  one more connection writes without ever reading
 *   {cmd:'close'}               resets them all (a RST leaves no TIME_WAIT to exhaust ports)
 */
let sockets: Socket[] = [];
let stalled: Socket | null = null;
const STEP_TIMEOUT_MS = 60_000;

function withTimeout<T>(what: string, promise: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish in ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e as Error)),
    );
  });
}

async function open(port: number, count: number): Promise<unknown> {
  const startedAt = performance.now();
  let failed = 0;
  const opened = await withTimeout(
    'open',
    Promise.all(
      Array.from({ length: count }, () => new Promise<Socket | null>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, noDelay: true });
        socket.once('connect', () => resolve(socket));
        socket.once('error', () => {
          failed++;
          resolve(null);
        });
      })),
    ),
  );
  const ms = performance.now() - startedAt;
  for (const socket of opened) {
    if (socket === null) continue;
    socket.on('error', () => {});
    sockets.push(socket);
  }
  return { ms, opened: sockets.length, failed };
}

async function echo(): Promise<unknown> {
  const startedAt = performance.now();
  const results = await withTimeout(
    'echo',
    Promise.all(
      sockets.map((socket) => new Promise<boolean>((resolve) => {
        if (socket.destroyed) return resolve(false);
        const onClose = (): void => resolve(false);
        socket.once('close', onClose);
        socket.once('data', () => {
          socket.off('close', onClose);
          resolve(true);
        });
        socket.write('e');
      })),
    ),
  );
  const ok = results.filter(Boolean).length;
  return { ms: performance.now() - startedAt, ok, failed: results.length - ok };
}

async function stall(port: number, bytes: number): Promise<unknown> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  socket.on('error', () => {});
  await withTimeout('stall connect', new Promise((resolve) => socket.once('connect', resolve)));
  socket.pause();
  stalled = socket;
  const chunk = Buffer.alloc(64 * 1024, 0x73);
  let written = 0;
  let lastProgress = performance.now();
  const pump = (): void => {
    lastProgress = performance.now();
    while (written < bytes && socket.write(chunk)) written += chunk.length;
  };
  socket.on('drain', pump);
  pump();
  // Stalled once nothing has drained for 500 ms: every buffer on the way (ours, the kernel's,
  // the proxy's, the echo's) is full. Bounded at 10 s in case the path never fills.
  const startedAt = performance.now();
  while (performance.now() - lastProgress < 500 && performance.now() - startedAt < 10_000) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return { written, blocked: socket.writableLength > 0 && written < bytes };
}

function close(): unknown {
  const closed = sockets.length + (stalled === null ? 0 : 1);
  for (const socket of sockets) socket.resetAndDestroy();
  stalled?.resetAndDestroy();
  sockets = [];
  stalled = null;
  return { closed };
}

serveCommands((command) => {
  switch (command.cmd) {
    case 'open':
      return open(Number(command.port), Number(command.count));
    case 'echo':
      return echo();
    case 'stall':
      return stall(Number(command.port), Number(command.bytes));
    case 'close':
      return close();
    default:
      throw new Error(`unknown command ${String(command.cmd)}`);
  }
});
