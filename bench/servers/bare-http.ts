import { createServer } from 'node:http';

/**
 * Scenario 12's floor for a server's start: the least a Node HTTP server can be, answering
 * `GET /version` as faultline does, on the port given. What faultline's start costs beyond this
 * is faultline's; this much is Node's.
 */
createServer((_req, res) => res.end('{"version": "2.12.0"}\n')).listen(Number(process.argv[2]), '127.0.0.1');
