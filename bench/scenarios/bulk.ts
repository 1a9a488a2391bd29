import { gbits, measureBulk, startBulkUpstream, stopBulkUpstream, type Direction } from '../lib/bulk.js';
import { push, ratiosToDirect, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { goals } from '../lib/goals.js';
import { cpuSeconds } from '../lib/procstat.js';
import type { Row } from '../lib/report.js';
import { roundOrder, startEndpoints, stopEndpoints } from '../lib/targets.js';

const variants: { key: string; label: string; direction: Direction; streams: number; goal: boolean }[] = [
  { key: 'up1', label: '1 stream client→upstream', direction: 'up', streams: 1, goal: true },
  { key: 'down1', label: '1 stream upstream→client', direction: 'down', streams: 1, goal: true },
  { key: 'up4', label: '4 streams client→upstream', direction: 'up', streams: 4, goal: false },
];


/**
 * Scenario 1. Processes: iperf3 -c (client) → [proxy] → iperf3 -s (upstream), each its own
 * process; on 2 cores the proxied run has three busy processes where the direct one has two,
 * which is part of what the ratio measures.
 */
export const bulk: Scenario = {
  id: 'scenario1',
  title: 'bulk throughput',
  async run(ctx: Context): Promise<Row[]> {
    const seconds = ctx.quick ? 1 : 2;
    const upstream = await startBulkUpstream(ctx);
    if (upstream.kind === 'node') ctx.notes.push('scenario1/5: iperf3 missing, used our Node bulk client and server');
    const endpoints = await startEndpoints(ctx.targets, upstream.port, ctx.proxy);
    const rates = new Map(variants.map((v) => [v.key, {} as PerTarget]));
    const cpu = new Map(variants.map((v) => [v.key, {} as PerTarget]));
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        for (const variant of variants) {
          for (const endpoint of roundOrder(endpoints, round)) {
            const pid = endpoint.server?.pid;
            const cpuBefore = pid === undefined ? 0 : cpuSeconds(pid);
            const result = await measureBulk(ctx, upstream, endpoint.port, variant.direction, variant.streams, seconds);
            push(rates.get(variant.key) as PerTarget, endpoint.target, gbits(result));
            if (pid !== undefined) push(cpu.get(variant.key) as PerTarget, endpoint.target, (cpuSeconds(pid) - cpuBefore) / (result.bytes / 1e9));
          }
        }
        ctx.log(`scenario1 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await stopBulkUpstream(upstream);
    }
    const rows: Row[] = [];
    for (const variant of variants) {
      const rate = rates.get(variant.key) as PerTarget;
      rows.push({ scenario: 'scenario1', label: `bulk ${variant.label}`, unit: 'Gbit/s', values: rate });
      rows.push({
        scenario: 'scenario1',
        label: `bulk ${variant.label} vs direct`,
        unit: '×',
        values: ratiosToDirect(rate),
        ...(variant.goal ? { goal: goals.bulkRatio } : {}),
      });
      rows.push({ scenario: 'scenario1', label: `proxy CPU, ${variant.label}`, unit: 'CPU s/GB', values: cpu.get(variant.key) as PerTarget });
    }
    return rows;
  },
};
