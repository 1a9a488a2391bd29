import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Target {
  url: string;
  /** Requests received, with the time each arrived (performance.now()). */
  arrivals: number[];
  close(): Promise<void>;
}

/** A node:http server on loopback answering with `handler`; it records when each request arrived. */
export async function startTarget(handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, s) => s.end('ok')): Promise<Target> {
  const arrivals: number[] = [];
  const server: Server = createServer((req, res) => {
    arrivals.push(performance.now());
    handler(req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
