import { connect, type Socket } from 'node:net';
import { answer } from '../lib/lines.js';

/**
 * Our own bulk load where iperf3 is missing. `send`: STREAMS connections write to the bulk
 * server's sink for SECONDS (the bench asks the server what arrived). `recv`: the server
 * sources and this client counts what it receives in the last SECONDS after a short warm-up.
 * Usage: bulk.js PORT send|recv STREAMS SECONDS. Prints {bytes, seconds}.
 */
const [portText, mode, streamsText, secondsText] = process.argv.slice(2) as [string, string, string, string];
const port = Number(portText);
const streams = Number(streamsText);
const seconds = Number(secondsText);
const WARMUP_MS = 300;
const chunk = Buffer.alloc(128 * 1024, 0x63);
const header = Buffer.alloc(9);
header[0] = 0x53;
header.writeBigUInt64BE(2n ** 62n, 1);

let counted = 0;
let counting = false;
const sockets: Socket[] = [];
for (let i = 0; i < streams; i++) {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  sockets.push(socket);
  socket.on('error', () => {});
  socket.once('connect', () => {
    if (mode === 'recv') {
      socket.write('R');
      socket.on('data', (data: Buffer) => {
        if (counting) counted += data.length;
      });
      return;
    }
    socket.write(header);
    const pump = (): void => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on('drain', pump);
    pump();
  });
}
setTimeout(() => {
  counting = true;
  const startedAt = performance.now();
  setTimeout(() => {
    const elapsed = (performance.now() - startedAt) / 1000;
    for (const socket of sockets) socket.destroy();
    answer({ bytes: counted, seconds: elapsed });
    process.exit(0);
  }, seconds * 1000);
}, WARMUP_MS);
