import { Agent, request } from 'node:http';
import { answer } from '../lib/lines.js';
import { percentile } from '../lib/stats.js';

/**
 * Our own HTTP load where wrk is missing: CONNS keep-alive connections, each sending its next
 * GET as soon as the last answer ends, for SECONDS. Prints {requests, rps, p50, p99} (ms).
 * Usage: http-load.js PORT CONNS SECONDS
 */
const [port, conns, seconds] = process.argv.slice(2).map(Number) as [number, number, number];
// Without noDelay a request's last segment waits on the peer's delayed ACK (40 ms on Linux).
const agent = new Agent({ keepAlive: true, maxSockets: conns, noDelay: true });
const latencies = new Float64Array(2_000_000);
let n = 0;
let errors = 0;
const endAt = performance.now() + seconds * 1000;

function worker(): Promise<void> {
  return new Promise((resolve) => {
    const next = (): void => {
      if (performance.now() >= endAt || n >= latencies.length) {
        resolve();
        return;
      }
      const startedAt = performance.now();
      const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies[n++] = performance.now() - startedAt;
          next();
        });
      });
      req.on('error', () => {
        errors++;
        next();
      });
      req.end();
    };
    next();
  });
}

const startedAt = performance.now();
await Promise.all(Array.from({ length: conns }, worker));
const elapsed = (performance.now() - startedAt) / 1000;
agent.destroy();
const sorted = latencies.subarray(0, n).sort();
answer({ requests: n, errors, rps: n / elapsed, p50: percentile(sorted, 50), p99: percentile(sorted, 99) });
process.exit(0);
