import { ArrivalPlan } from '../../src/experiments/load/arrivals.js';
import { LoadGenerator } from '../../src/experiments/load/generator.js';
import { percentileMs } from '../../src/experiments/load/stats.js';
import { answer } from '../lib/lines.js';

/**
 * faultline's experiment load generator (open model) at RATE requests/s for SECONDS against
 * URL, in its own process so it has one core. Prints what it offered and achieved and its
 * latencies from the intended send time (ms).
 * Usage: open-load.js URL RATE SECONDS [MAX_IN_FLIGHT] [CONNECTIONS] [WARMUP_SECONDS]
 * A warm-up run at RATE, discarded, comes first: a fresh process runs its first few hundred
 * milliseconds on unoptimised code, and a rate "sustained" means the steady state (autocannon
 * gets the same with --warmup). The measured run then opens its own connections.
 */
const [url = '', rateText = '1000', secondsText = '2', capText = '256', connectionsText = '', warmupText = '0'] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const generator = (ms: number): LoadGenerator =>
  new LoadGenerator({
    requests: [{ url, method: 'GET', weight: 1 }],
    plan: ArrivalPlan.constant(rate, ms),
    maxInFlight: Number(capText),
    connections: connectionsText === '' ? undefined : Number(connectionsText),
    timeoutMs: 5000,
    seed: 1,
  });
const warmupMs = Number(warmupText) * 1000;
if (warmupMs > 0) {
  const warm = generator(warmupMs);
  warm.start();
  await warm.done;
}
const gen = generator(seconds * 1000);
const cpu0 = process.cpuUsage();
gen.start();
await gen.done;
const elapsed = gen.elapsed();
const cpu = process.cpuUsage(cpu0);
const s = gen.stats;
answer({
  rate,
  offered: s.offered,
  sent: s.sent,
  completed: s.completed,
  failed: s.failed,
  dropped: s.dropped,
  timeouts: s.timeouts,
  elapsedMs: elapsed,
  /** Responses per second over the planned duration: what a server saw served. */
  achieved: (s.completed - s.failed) / seconds,
  cpu: (cpu.user + cpu.system) / 1000 / elapsed,
  /** CPU (user + system) per completed request, µs. */
  cpuPerRequest: s.completed === 0 ? 0 : (cpu.user + cpu.system) / s.completed,
  p50: percentileMs(s.responseTime, 50),
  p99: percentileMs(s.responseTime, 99),
  p999: percentileMs(s.responseTime, 99.9),
});
process.exit(0);
