import { push, ratiosToDirect, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { upstreamHolds } from '../lib/echo.js';
import { goals } from '../lib/goals.js';
import { startHelper } from '../lib/node.js';
import { listenOverflows, rssBytes } from '../lib/procstat.js';
import type { Row } from '../lib/report.js';
import { roundOrder, startEndpoints, stopEndpoints, type Endpoint } from '../lib/targets.js';

const COUNT = 5000;

interface Opened {
  ms: number;
  opened: number;
  failed: number;
}
interface Echoed {
  ms: number;
  ok: number;
  failed: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


/**
 * Scenario 4. Processes: our connections client (5,000 sockets) → [proxy] → our Node echo
 * server, each with its open-files limit raised. Each round gets fresh proxy servers so the
 * RSS before is a clean process, not one that already held 5,000 connections.
 */
export const idle: Scenario = {
  id: 'scenario4',
  title: '5,000 idle connections',
  async run(ctx: Context): Promise<Row[]> {
    const idleMs = ctx.quick ? 500 : 2000;
    const echo = startHelper('servers/echo.js');
    const client = startHelper('clients/connections.js');
    const { port } = await echo.next<{ port: number }>(10_000);
    const open: PerTarget = {};
    const firstEcho: PerTarget = {};
    const perConnection: PerTarget = {};
    const rssAfter: PerTarget = {};
    const failures: PerTarget = {};
    const overflows: PerTarget = {};
    let endpoints: Endpoint[] = [];
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        endpoints = await startEndpoints(ctx.targets, port, ctx.proxy);
        for (const endpoint of roundOrder(endpoints, round)) {
          const pid = endpoint.server?.pid;
          await sleep(300);
          const before = pid === undefined ? 0 : rssBytes(pid);
          const overflowsBefore = listenOverflows();
          const o = await client.ask<Opened>({ cmd: 'open', port: endpoint.port, count: COUNT }, 70_000);
          // A full accept queue drops the SYN and the client retries after 1 s: that is what
          // makes opening slow, so the kernel's count of it is shown beside the time.
          push(overflows, endpoint.target, listenOverflows() - overflowsBefore);
          if (o.failed > 0) ctx.notes.push(`scenario4 round ${round + 1} ${endpoint.target}: ${o.failed} connects failed`);
          push(open, endpoint.target, o.ms);
          await upstreamHolds(echo, o.opened);
          const e1 = await client.ask<Echoed>({ cmd: 'echo' }, 70_000);
          push(firstEcho, endpoint.target, e1.ms);
          await sleep(idleMs);
          if (pid !== undefined) {
            const after = rssBytes(pid);
            push(perConnection, endpoint.target, (after - before) / COUNT / 1000);
            push(rssAfter, endpoint.target, after / 1e6);
          }
          const e2 = await client.ask<Echoed>({ cmd: 'echo' }, 70_000);
          push(failures, endpoint.target, COUNT - e2.ok);
          await client.ask({ cmd: 'close' }, 10_000);
          await upstreamHolds(echo, 0);
        }
        await stopEndpoints(endpoints);
        endpoints = [];
        ctx.log(`scenario4 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await client.stop();
      await echo.stop();
    }
    return [
      { scenario: 'scenario4', label: `open ${COUNT} connections`, unit: 'ms', values: open },
      { scenario: 'scenario4', label: `open ${COUNT} connections vs direct`, unit: '×', values: ratiosToDirect(open), goal: goals.idleOpenRatio },
      { scenario: 'scenario4', label: 'listen queue overflows while opening', unit: 'count', values: overflows },
      { scenario: 'scenario4', label: 'first echo on every connection', unit: 'ms', values: firstEcho },
      { scenario: 'scenario4', label: 'proxy RSS with the connections open', unit: 'MB', values: rssAfter },
      { scenario: 'scenario4', label: 'proxy RSS per idle connection', unit: 'KB', values: perConnection, goal: goals.idleMemory },
      { scenario: 'scenario4', label: 'connections not echoing after idle', unit: 'count', values: failures, goal: goals.idleEchoFailures },
    ];
  },
};
