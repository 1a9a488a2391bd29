import { createServer } from 'node:http';
import { answer, serveCommands } from '../lib/lines.js';

/** The HTTP upstream when nginx is missing: one fixed 1 KiB body, kept alive like nginx does. */
const BODY = Buffer.alloc(1024, 0x61);
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;
server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
  const address = server.address();
  answer({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
serveCommands(() => ({}));
