import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { call, portOf, type ServerProcess } from './server.js';

export interface IntegrityResult {
  bytesEachWay: number;
  seconds: number;
  /** Toxic additions, updates and removals made while the data flowed. */
  changes: number;
  slowestChangeMs: number;
  upstreamIntact: boolean;
  downstreamIntact: boolean;
}

/** Writes `total` random bytes with backpressure, hashing them; resolves with the hex digest. */
function send(socket: Socket, total: number, side: string): Promise<string> {
  const hash = createHash('sha256');
  let left = total;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      while (left > 0) {
        const chunk = randomBytes(Math.min(left, 64 * 1024));
        left -= chunk.length;
        hash.update(chunk);
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (socket.destroyed) return reject(new Error(`${side}: closed while sending, ${total - left} of ${total} bytes written`));
      socket.end(() => resolve(hash.digest('hex')));
    };
    socket.on('error', reject);
    socket.on('close', () => left > 0 && reject(new Error(`${side}: closed while sending, ${total - left} of ${total} bytes written`)));
    pump();
  });
}

/** Hashes what arrives until the peer ends; a close without an end is a failure, not a wait. */
function receive(socket: Socket, side: string): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let ended = false;
  return new Promise((resolve, reject) => {
    socket.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    socket.on('end', () => {
      ended = true;
      resolve({ digest: hash.digest('hex'), bytes });
    });
    socket.on('error', (err) => reject(new Error(`${side}: ${err.message} after ${bytes} bytes`)));
    socket.on('close', () => {
      if (!ended) reject(new Error(`${side}: closed without an end after receiving ${bytes} bytes`));
    });
  });
}

/** Attributes for toxics that delay, throttle or cut data into pieces, but never drop it. */
const KINDS: Record<string, (i: number) => Record<string, number>> = {
  latency: (i) => ({ latency: i % 5, jitter: i % 3 }),
  bandwidth: (i) => ({ rate: 200_000 + (i % 7) * 10_000 }),
  slicer: (i) => ({ average_size: 4096 + (i % 5) * 512, size_variation: 1000, delay: 0 }),
  noop: () => ({}),
};
const TYPES = Object.keys(KINDS);

/**
 * `bytes` in each direction at once through one proxy while, every `everyMs`, a toxic is added,
 * updated or removed; both directions must arrive byte-identical (sha256).
 */
export async function integrity(server: ServerProcess, bytes: number, everyMs = 20): Promise<IntegrityResult> {
  type Side = { sent: Promise<string>; got: Promise<{ digest: string; bytes: number }> };
  let accepted: (side: Side) => void = () => undefined;
  const upstreamSide = new Promise<Side>((resolve) => (accepted = resolve));
  // Half-open on both ends: the side that finishes first ends its direction only, and the other
  // keeps sending (the proxy passes half-closes through).
  const upstream = createServer({ allowHalfOpen: true }, (socket) => {
    upstream.close();
    accepted({ sent: send(socket, bytes, 'upstream server'), got: receive(socket, 'upstream server') });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as { port: number }).port;
  const created = await call(server.url, 'POST', '/proxies', { name: 'integrity', listen: '127.0.0.1:0', upstream: `127.0.0.1:${port}` });
  if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created.json)}`);
  const started = performance.now();
  const client = connect({ port: portOf(created.json.listen as string), host: '127.0.0.1', allowHalfOpen: true });
  const down: Side = { sent: send(client, bytes, 'client'), got: receive(client, 'client') };
  const up = await upstreamSide;

  let changes = 0;
  let slowest = 0;
  let stop = false;
  const present = new Map<string, string>();
  const churn = (async () => {
    for (let i = 0; !stop; i++) {
      const name = `churn${i % 6}`;
      const type = present.get(name);
      let res;
      if (type === undefined) {
        const added = TYPES[i % TYPES.length] as string;
        res = await call(server.url, 'POST', '/proxies/integrity/toxics', { name, type: added, stream: i % 2 === 0 ? 'upstream' : 'downstream', attributes: KINDS[added]?.(i) });
        present.set(name, added);
      } else if (i % 3 === 0) {
        res = await call(server.url, 'DELETE', `/proxies/integrity/toxics/${name}`);
        present.delete(name);
      } else {
        res = await call(server.url, 'PATCH', `/proxies/integrity/toxics/${name}`, { attributes: KINDS[type]?.(i) });
      }
      if (res.status >= 300) throw new Error(`toxic change ${i}: ${res.status} ${JSON.stringify(res.json)}`);
      changes++;
      slowest = Math.max(slowest, res.ms);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  const [upSent, upGot, downSent, downGot] = await Promise.all([down.sent, up.got, up.sent, down.got]);
  stop = true;
  await churn;
  await call(server.url, 'DELETE', '/proxies/integrity');
  return {
    bytesEachWay: bytes,
    seconds: (performance.now() - started) / 1000,
    changes,
    slowestChangeMs: slowest,
    upstreamIntact: upSent === upGot.digest && upGot.bytes === bytes,
    downstreamIntact: downSent === downGot.digest && downGot.bytes === bytes,
  };
}
