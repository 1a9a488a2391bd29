import { ArrivalPlan } from '../../src/experiments/load/arrivals.js';
import { LoadGenerator } from '../../src/experiments/load/generator.js';
import { percentileMs } from '../../src/experiments/load/stats.js';
import { answer } from '../lib/lines.js';

/**
 * faultline's experiment load generator (open model) at RATE requests/s for SECONDS against
 * URL, in its own process so it has one core. Prints what it offered and achieved and its
 * latencies from the intended send time (ms).
 * Usage: open-load.js URL RATE SECONDS [MAX_IN_FLIGHT]
 */
const [url = '', rateText = '1000', secondsText = '2', capText = '256'] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const gen = new LoadGenerator({
  requests: [{ url, method: 'GET', weight: 1 }],
  plan: ArrivalPlan.constant(rate, seconds * 1000),
  maxInFlight: Number(capText),
  timeoutMs: 5000,
  seed: 1,
});
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
  p50: percentileMs(s.responseTime, 50),
  p99: percentileMs(s.responseTime, 99),
  p999: percentileMs(s.responseTime, 99.9),
});
process.exit(0);
