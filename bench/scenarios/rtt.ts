import { differencesToDirect, push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { floorProxyBinary, startFloorProxy } from '../lib/floor.js';
import { goals } from '../lib/goals.js';
import { runHelper, startHelper } from '../lib/node.js';
import { freePort } from '../lib/ports.js';
import { summarize } from '../lib/stats.js';
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
 * machine conditions. A minimal C proxy (bench/reference) takes its turn too: what it adds is
 * the floor any user-space proxy pays here, reported in a note.
 */
export const rtt: Scenario = {
  id: 'scenario2',
  title: 'round-trip latency',
  async run(ctx: Context): Promise<Row[]> {
    const count = ctx.quick ? 5000 : 20_000;
    const echo = startHelper('servers/echo.js');
    const { port } = await echo.next<{ port: number }>(10_000);
    const endpoints = await startEndpoints(ctx.targets, port, ctx.proxy);
    const samples = new Map<string, PerTarget>();
    const floorBinary = floorProxyBinary();
    const floorPort = 'path' in floorBinary ? await freePort() : 0;
    const floor = 'path' in floorBinary ? await startFloorProxy(floorBinary.path, floorPort, port) : null;
    if ('error' in floorBinary) ctx.notes.push(`scenario2: no reference proxy: ${floorBinary.error}`);
    /** Per size: the reference proxy's p50 and p99 minus direct's, one value per round. */
    const floorAdded = new Map<number, { p50: number[]; p99: number[] }>(sizes.map((size) => [size, { p50: [], p99: [] }]));
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        for (const size of sizes) {
          const order = roundOrder(endpoints, round);
          const ports = order.map((e) => String(e.port));
          if (floor !== null) ports.push(String(floorPort));
          const { targets } = await runHelper<{ targets: Record<string, number>[] }>(
            'clients/rtt-interleaved.js',
            [String(size), String(count), '2000', ...ports],
            120_000,
          );
          const direct = targets[order.findIndex((e) => e.target === 'direct')] as Record<string, number>;
          const reference = targets[order.length];
          if (reference !== undefined) {
            const added = floorAdded.get(size) as { p50: number[]; p99: number[] };
            added.p50.push((reference.p50 as number) - (direct.p50 as number));
            added.p99.push((reference.p99 as number) - (direct.p99 as number));
          }
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
      await floor?.stop();
      await echo.stop();
    }
    for (const [size, added] of floorAdded) {
      if (added.p50.length === 0) continue;
      const p50 = summarize(added.p50);
      const p99 = summarize(added.p99);
      ctx.notes.push(
        `scenario2: the reference C proxy (bench/reference/epoll-proxy.c, the floor of any user-space proxy here) added ` +
          `p50 +${p50.median.toFixed(1)} µs [${p50.min.toFixed(1)}…${p50.max.toFixed(1)}], p99 +${p99.median.toFixed(1)} µs to ${size} B round trips in the same rounds`,
      );
    }
    const rows: Row[] = [];
    for (const size of sizes) {
      for (const q of quantiles) {
        const values = samples.get(`${size}:${q.key}`) as PerTarget;
        const name = `RTT ${size} B ${q.key === 'p999' ? 'p99.9' : q.key}`;
        rows.push({ scenario: 'scenario2', label: name, unit: 'µs', values });
        // The issue sets p50/p99 for 16 B; p99.9 (no GC pause in the hot path) holds for any size.
        const goal = size === 16 || q.key === 'p999' ? { goal: q.goal } : {};
        rows.push({ scenario: 'scenario2', label: `${name} added over direct`, unit: 'µs', values: differencesToDirect(values), ...goal });
      }
    }
    return rows;
  },
};
