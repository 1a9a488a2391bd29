import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { startBusy } from '../lib/busy.js';
import { goals } from '../lib/goals.js';
import { runHelper, startHelper } from '../lib/node.js';
import { cpuSeconds } from '../lib/procstat.js';
import type { Row } from '../lib/report.js';
import { addToxicProxy, PROXY_NAME, roundOrder, startEndpoints, stopEndpoints, type Endpoint } from '../lib/targets.js';

const LATENCY_MS = 100;
const CONNS = 20;
const SPINNERS = 2;

/**
 * Scenario 13 (issue 15). The machine is kept busy by two CPU-bound processes, as a user's
 * test run shares it with a compiler or a second test runner; then our rtt client sends
 * 16-byte round trips over 20 connections through a 100 ms downstream latency toxic (started
 * 5 ms apart, so no two messages are in the client at once) and, as scenario 6 does, over one
 * connection through the same server's toxic-free proxy. Overshoot = a percentile of the
 * toxic's round trips − the plain proxy's median − 100 ms: what a user's timing test sees
 * beyond the delay it asked for. Proxies only, in rotated order each round.
 */
export const busyLatency: Scenario = {
  id: 'scenario13',
  title: `${LATENCY_MS} ms latency toxic, ${CONNS} connections, machine kept busy by ${SPINNERS} CPU-bound processes`,
  async run(ctx: Context): Promise<Row[]> {
    const count = ctx.quick ? 400 : 2000;
    const echo = startHelper('servers/echo.js');
    const echoPort = (await echo.next<{ port: number }>(10_000)).port;
    const endpoints = (await startEndpoints(ctx.targets, echoPort, ctx.proxy)).filter((e) => e.server !== undefined);
    const p50: PerTarget = {};
    const p99: PerTarget = {};
    const max: PerTarget = {};
    const cpu: PerTarget = {};
    let busy: ReturnType<typeof startBusy> | null = null;
    try {
      const slowPorts = new Map<Endpoint, number>();
      for (const endpoint of endpoints) {
        slowPorts.set(
          endpoint,
          await addToxicProxy(endpoint, `${PROXY_NAME}_latency`, echoPort, { name: 'lat', type: 'latency', stream: 'downstream', attributes: { latency: LATENCY_MS, jitter: 0 } }),
        );
      }
      busy = startBusy(SPINNERS);
      for (let round = 0; round < ctx.rounds; round++) {
        for (const endpoint of roundOrder(endpoints, round)) {
          const base = await runHelper<Record<string, number>>('clients/rtt.js', [String(endpoint.port), '16', '1000', '1', '100'], 120_000);
          const pid = (endpoint.server as NonNullable<Endpoint['server']>).pid;
          const cpuBefore = cpuSeconds(pid);
          const slow = await runHelper<Record<string, number>>(
            'clients/rtt.js',
            [String(slowPorts.get(endpoint)), '16', String(count), String(CONNS), '2', String(LATENCY_MS / CONNS)],
            120_000,
          );
          // Warm-up round trips (2 per connection) count too: the server served them.
          push(cpu, endpoint.target, ((cpuSeconds(pid) - cpuBefore) * 1e6) / (count + 2 * CONNS));
          const over = (us: number | undefined): number => ((us as number) - (base.p50 as number)) / 1000 - LATENCY_MS;
          push(p50, endpoint.target, over(slow.p50));
          push(p99, endpoint.target, over(slow.p99));
          push(max, endpoint.target, over(slow.max));
        }
        ctx.log(`scenario13 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      const cores = await busy?.stop();
      if (cores !== undefined) ctx.notes.push(`scenario13: the ${SPINNERS} CPU-bound processes got ${cores.toFixed(2)} cores on average`);
      await stopEndpoints(endpoints);
      await echo.stop();
    }
    const label = `latency ${LATENCY_MS} ms toxic, busy machine: overshoot`;
    return [
      { scenario: 'scenario13', label: `${label} p50`, unit: 'ms', values: p50 },
      { scenario: 'scenario13', label: `${label} p99`, unit: 'ms', values: p99, goal: goals.busyOvershootP99 },
      { scenario: 'scenario13', label: `${label} max`, unit: 'ms', values: max, goal: goals.busyOvershootMax },
      // What each server spends per delayed round trip, so that a difference in the tail can be
      // told apart from a difference in the work done.
      { scenario: 'scenario13', label: 'server CPU per delayed round trip', unit: 'µs', values: cpu },
    ];
  },
};
