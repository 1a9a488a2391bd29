import { connect } from 'node:net';
import { answer } from '../lib/lines.js';

/**
 * Sends BYTES to the bulk server's sink and times it until the sink's one-byte receipt comes
 * back, so the rate is what arrived, not what left this process.
 * Usage: bandwidth.js PORT BYTES. Prints {bytes, seconds}.
 */
const [port, total] = process.argv.slice(2).map(Number) as [number, number];
const chunk = Buffer.alloc(16 * 1024, 0x62);
const header = Buffer.alloc(9);
header[0] = 0x53;
header.writeBigUInt64BE(BigInt(total), 1);

const socket = connect({ host: '127.0.0.1', port, noDelay: true });
socket.on('error', (err) => {
  answer({ error: err.message });
  process.exit(1);
});
const guard = setTimeout(() => {
  answer({ error: 'no receipt within 60 s' });
  process.exit(1);
}, 60_000);
socket.once('connect', () => {
  const startedAt = performance.now();
  let left = total;
  socket.write(header);
  const pump = (): void => {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!socket.write(piece)) return;
    }
  };
  socket.on('drain', pump);
  socket.once('data', () => {
    clearTimeout(guard);
    answer({ bytes: total, seconds: (performance.now() - startedAt) / 1000 });
    socket.destroy();
    process.exit(0);
  });
  pump();
});
