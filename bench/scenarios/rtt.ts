import { differencesToDirect, push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { goals } from '../lib/goals.js';
import { runHelper, startHelper } from '../lib/node.js';
import { startReferenceProxy } from '../lib/reference.js';
import type { Row } from '../lib/report.js';
import { roundOrder, startEndpoints, stopEndpoints } from '../lib/targets.js';

const sizes = [16, 1024];
const quantiles = [
  { key: 'p50', goal: goals.rttP50 },
  { key: 'p99', goal: goals.rttP99 },
  { key: 'p999', goal: goals.rttP999 },
] as const;

/**
 * Scenario 2. Processes: our rtt client → [proxy] → our Node echo server. One message in
 * flight at a time, so each sample is one full round trip through every hop; the targets take
 * turns sample by sample (clients/rtt-interleaved), so each round compares them under the same
 * machine conditions. The reference C proxy (bench/reference) takes its turn too: what it adds
 * is the floor any user-space proxy pays here.
 */
export const rtt: Scenario = {
  id: 'scenario2',
  title: 'round-trip latency',
  async run(ctx: Context): Promise<Row[]> {
    const count = ctx.quick ? 5000 : 20_000;
    const echo = startHelper('servers/echo.js');
    const { port } = await echo.next<{ port: number }>(10_000);
    const endpoints = await startEndpoints(ctx.targets, port, ctx.proxy);
    const reference = await startReferenceProxy(ctx, 'scenario2', port);
    const measured = reference === null ? endpoints : [...endpoints, reference.endpoint];
    const samples = new Map<string, PerTarget>();
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        for (const size of sizes) {
          const order = roundOrder(measured, round);
          const { targets } = await runHelper<{ targets: Record<string, number>[] }>(
            'clients/rtt-interleaved.js',
            [String(size), String(count), '2000', ...order.map((e) => String(e.port))],
            120_000,
          );
          order.forEach((endpoint, k) => {
            for (const q of quantiles) {
              const key = `${size}:${q.key}`;
              if (!samples.has(key)) samples.set(key, {});
              push(samples.get(key) as PerTarget, endpoint.target, (targets[k] as Record<string, number>)[q.key] as number);
            }
          });
        }
        ctx.log(`scenario2 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await reference?.stop();
      await echo.stop();
    }
    const rows: Row[] = [];
    for (const size of sizes) {
      for (const q of quantiles) {
        const values = samples.get(`${size}:${q.key}`) as PerTarget;
        const name = `RTT ${size} B ${q.key === 'p999' ? 'p99.9' : q.key}`;
        rows.push({ scenario: 'scenario2', label: name, unit: 'µs', values });
        // The issues set their goals for 16 B: p50/p99 against the reference C proxy, p99.9
        // against Toxiproxy, each in the same interleaved samples.
        const goal = size === 16 ? { goal: q.goal } : {};
        rows.push({ scenario: 'scenario2', label: `${name} added over direct`, unit: 'µs', values: differencesToDirect(values), ...goal });
      }
    }
    return rows;
  },
};
