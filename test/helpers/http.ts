import { once } from 'node:events';
import { createServer, request, type Agent, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connectTo } from './sockets.js';

export interface HttpUpstream {
  port: number;
  server: Server;
  /** Requests seen, in order: method, url, body length. */
  seen: { method: string; url: string; bodyBytes: number; headers: IncomingHttpHeaders }[];
  /** Client connections the upstream accepted. */
  connections: number;
  close(): Promise<void>;
}

/**
 * A real node:http server on loopback whose responses are byte-for-byte repeatable (no Date
 * header): `GET /x` answers `ok GET /x <n>` where n is the upstream's request count.
 */
export async function startHttpUpstream(
  handle?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<HttpUpstream> {
  const seen: HttpUpstream['seen'] = [];
  const up: HttpUpstream = { port: 0, server: null as unknown as Server, seen, connections: 0, close: async () => {} };
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    res.sendDate = false;
    const chunks: Buffer[] = [];
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => {
      bodyBytes += c.length;
      if (chunks.length < 64) chunks.push(c);
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', bodyBytes, headers: req.headers });
      if (handle !== undefined) return handle(req, res, Buffer.concat(chunks));
      const text = `ok ${req.method} ${req.url} ${seen.length}\n`;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    });
  });
  server.on('connection', (s: Socket) => {
    up.connections++;
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  up.port = (server.address() as AddressInfo).port;
  up.server = server;
  up.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return up;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The client port of the socket the request went out on: the same port means the same connection. */
  localPort: number;
}

/** One request through node:http with the given agent (keep-alive pools reuse connections). */
export function httpRequest(
  port: number,
  options: { path?: string; method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent | false; timeoutMs?: number } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: options.path ?? '/', method: options.method ?? 'GET', headers: options.headers, agent: options.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), localPort: req.socket?.localPort ?? 0 }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.timeoutMs !== undefined) req.setTimeout(options.timeoutMs, () => req.destroy(new Error('timeout')));
    req.end(options.body);
  });
}

/** Sends raw bytes on a new connection and collects everything until `done(bytes)` or the close. */
export async function rawExchange(port: number, bytes: Buffer | string, done: (all: Buffer) => boolean, timeoutMs = 5000): Promise<Buffer> {
  const socket = await connectTo(port);
  socket.write(bytes);
  return collectUntil(socket, done, timeoutMs).finally(() => socket.destroy());
}

export function collectUntil(socket: Socket, done: (all: Buffer) => boolean, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let all = Buffer.alloc(0);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err !== undefined) reject(err);
      else resolve(all);
    };
    const onData = (c: Buffer) => {
      all = Buffer.concat([all, c]);
      if (done(all)) finish();
    };
    const onClose = () => finish();
    const timer = setTimeout(() => finish(new Error(`timed out with ${all.length} bytes: ${JSON.stringify(all.toString('latin1').slice(0, 300))}`)), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** How many complete responses (`HTTP/1.1 ` status lines) a byte string holds. */
export const countResponses = (all: Buffer): number => all.toString('latin1').split('HTTP/1.1 ').length - 1;
