import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** Bytes as they crossed a relay, in arrival order: `c` client→server, `s` server→client. */
export interface Recorded {
  readonly dir: 'c' | 's';
  readonly bytes: Buffer;
}

/**
 * A plain TCP relay to a real server that records each connection's traffic, so codec tests
 * can replay what a real driver and a real server actually said, cut any way they like.
 */
export async function startRecordingRelay(target: number): Promise<{ port: number; sessions: Recorded[][]; close(): Promise<void> }> {
  const sessions: Recorded[][] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const log: Recorded[] = [];
    sessions.push(log);
    const upstream = connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (b: Buffer) => {
      log.push({ dir: 'c', bytes: Buffer.from(b) });
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => {
      log.push({ dir: 's', bytes: Buffer.from(b) });
      client.write(b);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
