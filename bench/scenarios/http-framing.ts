import type { ToxicSpec } from '../lib/api.js';

import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { upstreamHolds } from '../lib/echo.js';
import { goals } from '../lib/goals.js';
import { startHttpUpstream } from '../lib/http-upstream.js';
import { startHelper } from '../lib/node.js';
import { rssBytes } from '../lib/procstat.js';
import type { Row } from '../lib/report.js';
import { PROXY_NAME, roundOrder, startEndpoints, stopEndpoints, type Endpoint } from '../lib/targets.js';
import { loadHttp } from './http.js';

const IDLE_COUNT = 2000;

/** Request-level toxics that look at every request and act on none: the framing's whole cost. */
const NON_MATCHING: ToxicSpec[] = [
  { name: 'never-error', type: 'error', stream: 'downstream', attributes: { status: 503, path: '/never/*' } },
  { name: 'never-delay', type: 'delay', stream: 'downstream', attributes: { ms: 100, headers: { 'x-never': true } } },
  { name: 'never-abort', type: 'abort', stream: 'downstream', attributes: { method: 'DELETE' } },
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


/** A faultline server with one `http` proxy carrying the non-matching toxics, as target faultline-http. */
async function httpEndpoint(ctx: Context, upstreamPort: number): Promise<Endpoint> {
  const [endpoint] = await startEndpoints(['faultline'], upstreamPort, ctx.proxy, { protocol: 'http' });
  const e = endpoint as Endpoint;
  for (const toxic of NON_MATCHING) await e.server?.api.addToxic(PROXY_NAME, toxic);
  return { ...e, target: 'faultline-http' };
}

/**
 * Scenario 8: what framing HTTP costs. wrk (1 thread, 32 keep-alive connections) → direct, a
 * tcp proxy, and an http proxy whose three request-level toxics match nothing → nginx, in
 * rotated order each round; then RSS per idle connection of each proxy, fresh servers per round.
 */
export const httpFraming: Scenario = {
  id: 'scenario8',
  title: 'HTTP through an http proxy (framed) vs a tcp proxy',
  async run(ctx: Context): Promise<Row[]> {
    const seconds = ctx.quick ? 1 : 3;
    const upstream = await startHttpUpstream(ctx, 'scenario8');
    const port = upstream.port;
    if (ctx.tools.wrk === null) ctx.notes.push('scenario8: wrk missing, used our Node HTTP load client');
    const rps: PerTarget = {};
    const ratio: PerTarget = {};
    let endpoints: Endpoint[] = [];
    try {
      endpoints = [...(await startEndpoints(['direct', 'faultline'], port, ctx.proxy)), await httpEndpoint(ctx, port)];
      for (let round = 0; round < ctx.rounds; round++) {
        const thisRound: Partial<Record<string, number>> = {};
        for (const endpoint of roundOrder(endpoints, round)) {
          const result = await loadHttp(ctx, endpoint.port, seconds);
          push(rps, endpoint.target, result.rps);
          thisRound[endpoint.target] = result.rps;
        }
        push(ratio, 'faultline', (thisRound['faultline-http'] as number) / (thisRound.faultline as number));
        ctx.log(`scenario8 requests round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await upstream.stop();
    }

    const perConnection: PerTarget = {};
    const memoryRatio: PerTarget = {};
    const echo = startHelper('servers/echo.js');
    const client = startHelper('clients/connections.js');
    const { port: echoPort } = await echo.next<{ port: number }>(10_000);
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        const proxies = [...(await startEndpoints(['faultline'], echoPort, ctx.proxy)), await httpEndpoint(ctx, echoPort)];
        endpoints = proxies;
        const kb: Partial<Record<string, number>> = {};
        for (const endpoint of roundOrder(proxies, round)) {
          const pid = endpoint.server?.pid as number;
          await sleep(300);
          const before = rssBytes(pid);
          const opened = await client.ask<{ opened: number }>({ cmd: 'open', port: endpoint.port, count: IDLE_COUNT }, 70_000);
          await upstreamHolds(echo, opened.opened);
          await sleep(ctx.quick ? 500 : 2000);
          kb[endpoint.target] = (rssBytes(pid) - before) / IDLE_COUNT / 1000;
          push(perConnection, endpoint.target, kb[endpoint.target] as number);
          await client.ask({ cmd: 'close' }, 10_000);
          await upstreamHolds(echo, 0);
        }
        push(memoryRatio, 'faultline', (kb['faultline-http'] as number) / (kb.faultline as number));
        await stopEndpoints(proxies);
        endpoints = [];
        ctx.log(`scenario8 idle round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await client.stop();
      await echo.stop();
    }
    return [
      { scenario: 'scenario8', label: 'HTTP requests/s (http proxy: 3 toxics, none matching)', unit: 'req/s', values: rps },
      { scenario: 'scenario8', label: 'http proxy requests/s vs tcp proxy', unit: '×', values: ratio, goal: goals.httpFramingRatio },
      { scenario: 'scenario8', label: `RSS per idle connection (${IDLE_COUNT})`, unit: 'KB', values: perConnection },
      { scenario: 'scenario8', label: 'http proxy idle memory vs tcp proxy', unit: '×', values: memoryRatio, goal: goals.httpIdleMemoryRatio },
    ];
  },
};
