import { gbits, measureBulk, startBulkUpstream, stopBulkUpstream } from '../lib/bulk.js';
import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { goals } from '../lib/goals.js';
import { freePort } from '../lib/ports.js';
import type { Row } from '../lib/report.js';
import { PROXY_NAME, roundOrder, startEndpoints, stopEndpoints, type TargetName } from '../lib/targets.js';

/** How many latency-0 toxics each proxy of a server carries; 0 is the bench's default proxy. */
const STACKS = [0, 1, 5] as const;

interface Leg {
  target: TargetName;
  toxics: number;
  port: number;
}

/**
 * Scenario 5. Same processes as scenario 1. Each proxy server gets two more proxies to the
 * same iperf3 server, with one and with five latency-0 toxics on the downstream, and iperf3
 * runs reversed so the data crosses them; the ratio is to the same server's toxic-free proxy.
 */
export const toxicPath: Scenario = {
  id: 'scenario5',
  title: 'the toxic path',
  async run(ctx: Context): Promise<Row[]> {
    const seconds = ctx.quick ? 1 : 2;
    const upstream = await startBulkUpstream(ctx);
    const endpoints = await startEndpoints(ctx.targets, upstream.port, ctx.proxy);
    const rates = new Map<number, PerTarget>(STACKS.map((n) => [n, {}]));
    try {
      const legs: Leg[] = [];
      for (const endpoint of endpoints) {
        if (endpoint.server === undefined) {
          legs.push({ target: endpoint.target, toxics: 0, port: endpoint.port });
          continue;
        }
        for (const n of STACKS) {
          let port = endpoint.port;
          if (n > 0) {
            port = await freePort();
            const name = `${PROXY_NAME}${n}`;
            await endpoint.server.api.createProxy(name, `127.0.0.1:${port}`, `127.0.0.1:${upstream.port}`);
            for (let i = 0; i < n; i++) {
              await endpoint.server.api.addToxic(name, { name: `lat${i}`, type: 'latency', stream: 'downstream', attributes: { latency: 0, jitter: 0 } });
            }
          }
          legs.push({ target: endpoint.target, toxics: n, port });
        }
      }
      for (let round = 0; round < ctx.rounds; round++) {
        for (const leg of roundOrder(legs, round)) {
          const result = await measureBulk(ctx, upstream, leg.port, 'down', 1, seconds);
          push(rates.get(leg.toxics) as PerTarget, leg.target, gbits(result));
        }
        ctx.log(`scenario5 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await stopBulkUpstream(upstream);
    }
    const none = rates.get(0) as PerTarget;
    const ratio = (n: number): PerTarget => {
      const out: PerTarget = {};
      for (const [target, list] of Object.entries(rates.get(n) as PerTarget) as [TargetName, number[]][]) {
        out[target] = list.map((v, i) => v / ((none[target] as number[])[i] as number));
      }
      return out;
    };
    return [
      { scenario: 'scenario5', label: 'downstream, no toxic', unit: 'Gbit/s', values: none },
      { scenario: 'scenario5', label: 'downstream, 1 latency-0 toxic', unit: 'Gbit/s', values: rates.get(1) as PerTarget },
      { scenario: 'scenario5', label: 'downstream, 5 latency-0 toxics', unit: 'Gbit/s', values: rates.get(5) as PerTarget },
      { scenario: 'scenario5', label: '1 toxic vs none', unit: '×', values: ratio(1), goal: goals.toxicRatio },
      { scenario: 'scenario5', label: '5 toxics vs none', unit: '×', values: ratio(5) },
    ];
  },
};
