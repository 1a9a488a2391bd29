import { createServer, type Socket } from 'node:net';
import { answer, serveCommands } from '../lib/lines.js';

/**
 * The upstream for round trips, idle connections and the control plane: echoes every byte,
 * with backpressure, so a client that stops reading eventually stops the proxy's upstream link.
 */
const sockets = new Set<Socket>();
const server = createServer({ noDelay: true }, (socket) => {
  sockets.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
  socket.pipe(socket);
});
// Node's default backlog (511) would make the direct baseline of 5,000 connects drop SYNs.
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address();
  answer({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
serveCommands((command) => {
  if (command.cmd === 'count') return { connections: sockets.size };
  throw new Error(`unknown command ${String(command.cmd)}`);
});
