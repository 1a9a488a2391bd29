import { connect, type Socket } from 'node:net';
import { answer } from '../lib/lines.js';
import { percentile } from '../lib/stats.js';

/**
 * Round trips to several endpoints, interleaved sample by sample: one connection per port, one
 * message in flight in all, and the ports taken in turn. Every endpoint then sees the same
 * moments of a shared, noisy machine, which a run per endpoint, seconds apart, does not: there
 * the baseline drifted by a factor of three within minutes. Prints
 * {targets: [{p50, p99, p999, n}, …]} in microseconds, in the order of the ports.
 * Usage: rtt-interleaved.js SIZE COUNT WARMUP PORT [PORT …]
 */
const [size, count, warmup, ...ports] = process.argv.slice(2).map(Number) as [number, number, number, ...number[]];
const message = Buffer.alloc(size, 0x78);
const samples = ports.map(() => new Float64Array(count));
const total = (warmup + count) * ports.length;

const sockets = await Promise.all(
  ports.map(
    (port) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(socket));
        socket.once('error', reject);
      }),
  ),
);

const guard = setTimeout(() => {
  answer({ error: 'interleaved round trips did not finish in time' });
  process.exit(1);
}, 120_000);

await new Promise<void>((resolve, reject) => {
  let done = 0;
  let current = 0;
  let got = 0;
  let startedAt = 0n;
  const send = (): void => {
    if (done === total) {
      resolve();
      return;
    }
    current = done % ports.length;
    got = 0;
    startedAt = process.hrtime.bigint();
    (sockets[current] as Socket).write(message);
  };
  sockets.forEach((socket, k) => {
    socket.on('data', (chunk: Buffer) => {
      if (k !== current) return reject(new Error(`port ${ports[k]} answered out of turn`));
      got += chunk.length;
      if (got < size) return;
      const sample = Math.floor(done / ports.length) - warmup;
      if (sample >= 0) (samples[k] as Float64Array)[sample] = Number(process.hrtime.bigint() - startedAt) / 1000;
      done++;
      send();
    });
    socket.on('error', reject);
  });
  send();
});
clearTimeout(guard);
answer({
  targets: samples.map((s) => {
    const sorted = s.sort();
    return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9) };
  }),
});
for (const socket of sockets) socket.destroy();
process.exit(0);
