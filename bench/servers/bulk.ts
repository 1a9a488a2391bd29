import { createServer, type Socket } from 'node:net';
import { answer, serveCommands } from '../lib/lines.js';

/**
 * Our own bulk upstream, used where iperf3 is missing and for the bandwidth-accuracy run.
 * The first byte picks the role: 'S' = sink (an 8-byte length follows; one byte '!' is sent
 * back once that many bytes have arrived), 'R' = source (send until the client goes away).
 */
const CHUNK = Buffer.alloc(128 * 1024, 0x61);
let sunkBytes = 0;
let firstAt = Infinity;
let lastAt = 0;

function source(socket: Socket): void {
  const pump = (): void => {
    while (!socket.destroyed && socket.write(CHUNK));
  };
  socket.on('drain', pump);
  pump();
}

function sink(socket: Socket, first: Buffer): void {
  let header = first;
  let expected = -1;
  let got = 0;
  const take = (chunk: Buffer): void => {
    const now = performance.now();
    if (expected < 0) {
      header = header.length === 0 ? chunk : Buffer.concat([header, chunk]);
      if (header.length < 8) return;
      expected = Number(header.readBigUInt64BE(0));
      chunk = header.subarray(8);
    }
    got += chunk.length;
    sunkBytes += chunk.length;
    if (chunk.length > 0) {
      if (now < firstAt) firstAt = now;
      lastAt = now;
    }
    if (got >= expected && expected >= 0) {
      expected = Number.MAX_SAFE_INTEGER;
      socket.write('!');
    }
  };
  socket.on('data', take);
  take(Buffer.alloc(0));
}

const server = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => {});
  socket.once('data', (chunk: Buffer) => {
    if (chunk[0] === 0x52) source(socket);
    else sink(socket, chunk.subarray(1));
  });
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
  const address = server.address();
  answer({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
serveCommands((command) => {
  if (command.cmd !== 'sunk') throw new Error(`unknown command ${String(command.cmd)}`);
  // What the sinks received since the last ask, and over how long: the rate of a send run.
  const result = { bytes: sunkBytes, seconds: lastAt > firstAt ? (lastAt - firstAt) / 1000 : 0 };
  sunkBytes = 0;
  firstAt = Infinity;
  lastAt = 0;
  return result;
});
