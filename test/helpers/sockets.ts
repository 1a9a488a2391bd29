import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TestUpstream {
  port: number;
  server: Server;
  /** Sockets the upstream has accepted, in order. */
  sockets: Socket[];
  close(): Promise<void>;
}

/**
 * A real TCP server on loopback. By default it echoes and half-closes when the client does;
 * pass `onSocket` to script something else.
 */
export async function startUpstream(onSocket?: (socket: Socket) => void): Promise<TestUpstream> {
  const sockets: Socket[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    if (onSocket !== undefined) onSocket(socket);
    else socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    server,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function connectTo(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: options.allowHalfOpen ?? false });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

/** Collects what a socket receives until it ends or closes; resolves with the bytes and how it ended. */
export function collect(socket: Socket): Promise<{ data: Buffer; error: NodeJS.ErrnoException | null }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: NodeJS.ErrnoException | null = null;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e));
    socket.on('close', () => resolve({ data: Buffer.concat(chunks), error }));
  });
}

/** Reads exactly `n` bytes, or rejects after `timeoutMs` saying how many arrived. */
export function readBytes(socket: Socket, n: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= n) {
        cleanup();
        const all = Buffer.concat(chunks);
        if (all.length > n) socket.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`socket closed after ${got} of ${n} bytes`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${got} of ${n} bytes`));
    }, timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/**
 * Resolves with how the socket ended: 'end' (FIN), 'reset' (RST) or another error code. libuv
 * reports an RST that arrives in one poll with the peer's last bytes as a plain end, so on a
 * half-open socket an 'end' is checked with a zero-length write, which the kernel fails with
 * ECONNRESET if the peer reset (src/proxy/link.ts does the same).
 */
export function waitClosed(socket: Socket, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve('closed');
    let how = 'end';
    const timer = setTimeout(() => reject(new Error('socket did not close in time')), timeoutMs);
    socket.on('error', (e: NodeJS.ErrnoException) => (how = e.code === 'ECONNRESET' ? 'reset' : (e.code ?? 'error')));
    socket.on('end', () => {
      if (socket.allowHalfOpen && socket.writable && socket.writableLength === 0) socket.write(Buffer.alloc(0));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(how);
    });
    socket.resume();
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Measures one round trip of `payload` through an echo path. */
export async function roundTrip(socket: Socket, payload: Buffer | string): Promise<number> {
  const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const start = performance.now();
  socket.write(buf);
  await readBytes(socket, buf.length);
  return performance.now() - start;
}

/** A port that was free a moment ago: nothing listens there, so connecting is refused. */
export async function unusedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Client connections a test suite opens, destroyed together when it is done. */
export function socketTracker(): { connect: (port: number) => Promise<Socket>; destroyAll: () => void } {
  const sockets: Socket[] = [];
  return {
    connect: async (port) => {
      const socket = await connectTo(port);
      sockets.push(socket);
      return socket;
    },
    destroyAll: () => {
      for (const s of sockets.splice(0)) s.destroy();
    },
  };
}
