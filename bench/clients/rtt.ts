import { connect, type Socket } from 'node:net';
import { answer } from '../lib/lines.js';
import { percentile } from '../lib/stats.js';

/**
 * Round trips through an echo: `conns` connections, each sending one `size`-byte message and
 * waiting for all of it back, `count` times in all (after `warmup` unrecorded ones per
 * connection). Prints {p50, p99, p999, max, n} in microseconds. Samples go into one preallocated
 * array so the client itself adds no garbage to the tail it measures. With STAGGER_MS, the
 * connections start that far apart: through a proxy that delays each message by a fixed time,
 * they then never have a message in the client at the same moment, so none waits behind another
 * and what is measured is the delay, not the client's own queue.
 * Usage: rtt.js PORT SIZE COUNT [CONNS] [WARMUP] [STAGGER_MS]
 */
const [port, size, count, conns = 1, warmup = 200, staggerMs = 0] = process.argv.slice(2).map(Number) as [number, number, number, number?, number?, number?];
const samples = new Float64Array(count);
let recorded = 0;
const message = Buffer.alloc(size, 0x78);
const perConnection = Math.ceil(count / conns);

function runOne(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let got = 0;
    let startedAt = 0n;
    const send = (): void => {
      if (sent >= warmup + perConnection || recorded >= count) {
        resolve();
        return;
      }
      sent++;
      got = 0;
      startedAt = process.hrtime.bigint();
      socket.write(message);
    };
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got < size) return;
      if (sent > warmup && recorded < count) samples[recorded++] = Number(process.hrtime.bigint() - startedAt) / 1000;
      send();
    });
    socket.on('error', reject);
    send();
  });
}

const sockets = await Promise.all(
  Array.from({ length: conns }, () => new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  })),
);
const guard = setTimeout(() => {
  answer({ error: `round trips did not finish in time (${recorded} of ${count})` });
  process.exit(1);
}, 120_000);
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
await Promise.all(sockets.map(async (socket, k) => {
  if (staggerMs > 0) await delay(k * staggerMs);
  await runOne(socket);
}));
clearTimeout(guard);
const sorted = samples.subarray(0, recorded).sort();
answer({ n: recorded, p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), max: sorted[recorded - 1] ?? NaN });
for (const socket of sockets) socket.destroy();
process.exit(0);
