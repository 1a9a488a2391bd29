import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { goals } from '../lib/goals.js';
import { runHelper, startHelper } from '../lib/node.js';
import type { Row } from '../lib/report.js';
import { addToxicProxy, PROXY_NAME, roundOrder, startEndpoints, stopEndpoints, type Endpoint } from '../lib/targets.js';

const LATENCY_MS = 50;
const RATE_KBPS = 1000;
const RTT_CONNS = 10;

/**
 * Scenario 6. Latency: our rtt client → proxy → Node echo, through the toxic-free proxy (one
 * connection) and through one with a 50 ms downstream latency toxic on the same server (10
 * connections started 5 ms apart, so a round takes seconds, not minutes, yet no message waits
 * behind another in the client); the error is what the toxic added beyond 50 ms: p50 and p99
 * of the toxic proxy's round trips minus the plain proxy's median, minus 50 ms.
 * Bandwidth: our bandwidth client → proxy with a 1000 KB/s upstream toxic → our bulk sink,
 * timed until the sink's receipt comes back. Proxies only: direct has no toxics.
 */
export const accuracy: Scenario = {
  id: 'scenario6',
  title: 'toxic accuracy',
  async run(ctx: Context): Promise<Row[]> {
    const rttCount = ctx.quick ? 200 : 500;
    const bytes = ctx.quick ? 1_000_000 : 5_000_000;
    if (ctx.quick) ctx.notes.push('scenario6: --quick measures the bandwidth toxic over 1 MB, not 5 MB');
    const echo = startHelper('servers/echo.js');
    const sink = startHelper('servers/bulk.js');
    const echoPort = (await echo.next<{ port: number }>(10_000)).port;
    const sinkPort = (await sink.next<{ port: number }>(10_000)).port;
    const endpoints = (await startEndpoints(ctx.targets, echoPort, ctx.proxy)).filter((e) => e.server !== undefined);
    const p50: PerTarget = {};
    const p99: PerTarget = {};
    const rate: PerTarget = {};
    const rateError: PerTarget = {};
    try {
      const ports = new Map<Endpoint, { latency: number; bandwidth: number }>();
      for (const endpoint of endpoints) {
        ports.set(endpoint, {
          latency: await addToxicProxy(endpoint, `${PROXY_NAME}_latency`, echoPort, { name: 'lat', type: 'latency', stream: 'downstream', attributes: { latency: LATENCY_MS, jitter: 0 } }),
          bandwidth: await addToxicProxy(endpoint, `${PROXY_NAME}_bandwidth`, sinkPort, { name: 'bw', type: 'bandwidth', stream: 'upstream', attributes: { rate: RATE_KBPS } }),
        });
      }
      // The toxic's round trips: 10 connections started LATENCY_MS / 10 apart, so no two are in
      // the client at once. The plain proxy's: one connection, as the staggered ones behave.
      const slowRtt = (port: number): Promise<Record<string, number>> =>
        runHelper('clients/rtt.js', [String(port), '16', String(rttCount), String(RTT_CONNS), '3', String(LATENCY_MS / RTT_CONNS)], 120_000);
      const baseRtt = (port: number): Promise<Record<string, number>> => runHelper('clients/rtt.js', [String(port), '16', '2000', '1', '200'], 120_000);
      for (let round = 0; round < ctx.rounds; round++) {
        for (const endpoint of roundOrder(endpoints, round)) {
          const own = ports.get(endpoint) as { latency: number; bandwidth: number };
          const base = await baseRtt(endpoint.port);
          const slow = await slowRtt(own.latency);
          // The proxy's own round trip is taken at its median for both: subtracting the plain
          // proxy's p99 would let a stall there cancel (or fake) lateness of the toxic.
          push(p50, endpoint.target, ((slow.p50 as number) - (base.p50 as number)) / 1000 - LATENCY_MS);
          push(p99, endpoint.target, ((slow.p99 as number) - (base.p50 as number)) / 1000 - LATENCY_MS);
          const bw = await runHelper<{ bytes: number; seconds: number }>('clients/bandwidth.js', [String(own.bandwidth), String(bytes)], 60_000);
          const kbps = bw.bytes / 1000 / bw.seconds;
          push(rate, endpoint.target, kbps);
          push(rateError, endpoint.target, ((kbps - RATE_KBPS) / RATE_KBPS) * 100);
        }
        ctx.log(`scenario6 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await echo.stop();
      await sink.stop();
    }
    return [
      { scenario: 'scenario6', label: `latency ${LATENCY_MS} ms toxic: error of added RTT p50`, unit: 'ms', values: p50 },
      { scenario: 'scenario6', label: `latency ${LATENCY_MS} ms toxic: error of added RTT p99`, unit: 'ms', values: p99, goal: goals.latencyErrorP99 },
      { scenario: 'scenario6', label: `bandwidth ${RATE_KBPS} KB/s toxic: measured rate over ${bytes / 1e6} MB`, unit: 'KB/s', values: rate },
      { scenario: 'scenario6', label: `bandwidth ${RATE_KBPS} KB/s toxic: rate error`, unit: '%', values: rateError, goal: goals.bandwidthError },
    ];
  },
};
