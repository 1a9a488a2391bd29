import { summarize } from '../lib/stats.js';
import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { goals } from '../lib/goals.js';
import { startHelper } from '../lib/node.js';
import type { Row } from '../lib/report.js';
import { PROXY_NAME, roundOrder, startEndpoints, stopEndpoints, type Endpoint } from '../lib/targets.js';

const LIVE = 1000;
/** A call slower than this counts as blocked; Toxiproxy's known deadlock would hang forever. */
const CALL_TIMEOUT_MS = 5000;
const STALL_BYTES = 64 * 1024 * 1024;

interface Timings {
  add: number[];
  remove: number[];
  timeouts: number;
}

/** Adds and removes a latency toxic `ops` times, timing each API call as a client sees it. */
async function churn(endpoint: Endpoint, ops: number, tag: string): Promise<Timings> {
  const api = (endpoint.server as NonNullable<Endpoint['server']>).api;
  const out: Timings = { add: [], remove: [], timeouts: 0 };
  for (let i = 0; i < ops; i++) {
    // Unique names: a call that timed out may still land later and must not collide.
    const name = `${tag}_${i}`;
    try {
      let t = performance.now();
      await api.addToxic(PROXY_NAME, { name, type: 'latency', stream: 'downstream', attributes: { latency: 1, jitter: 0 } }, CALL_TIMEOUT_MS);
      out.add.push(performance.now() - t);
      t = performance.now();
      await api.removeToxic(PROXY_NAME, name, CALL_TIMEOUT_MS);
      out.remove.push(performance.now() - t);
    } catch {
      // A blocked API stays blocked; more calls would only add 5 s each to the run.
      out.timeouts++;
      break;
    }
  }
  return out;
}

/**
 * Scenario 7. Processes: the bench itself is the API client (Node fetch, keep-alive); our
 * connections client holds 1,000 live connections through the proxy to our Node echo server,
 * then adds one that writes without reading until every buffer on the way is full.
 */
export const control: Scenario = {
  id: 'scenario7',
  title: 'control plane under load',
  async run(ctx: Context): Promise<Row[]> {
    const ops = ctx.quick ? 5 : 20;
    const echo = startHelper('servers/echo.js');
    const client = startHelper('clients/connections.js');
    const { port } = await echo.next<{ port: number }>(10_000);
    const endpoints = (await startEndpoints(ctx.targets, port, ctx.proxy)).filter((e) => e.server !== undefined);
    const add: PerTarget = {};
    const remove: PerTarget = {};
    const addStalled: PerTarget = {};
    const removeStalled: PerTarget = {};
    const slowest: PerTarget = {};
    const timeouts: PerTarget = {};
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        for (const endpoint of roundOrder(endpoints, round)) {
          await endpoint.server?.api.version();
          const opened = await client.ask<{ opened: number }>({ cmd: 'open', port: endpoint.port, count: LIVE }, 70_000);
          if (opened.opened !== LIVE) throw new Error(`only ${opened.opened} of ${LIVE} connections opened`);
          await client.ask({ cmd: 'echo' }, 70_000);
          // Untimed calls first, so the first timed call does not pay for compiling the API path.
          await churn(endpoint, 3, `w${round}`);
          const calm = await churn(endpoint, ops, `r${round}`);
          push(add, endpoint.target, summarize(calm.add).median);
          push(remove, endpoint.target, summarize(calm.remove).median);
          const stall = await client.ask<{ blocked: boolean }>({ cmd: 'stall', port: endpoint.port, bytes: STALL_BYTES }, 70_000);
          if (!stall.blocked) ctx.notes.push(`scenario7 round ${round + 1} ${endpoint.target}: the stalled writer never filled the buffers`);
          const stalled = await churn(endpoint, ops, `s${round}`);
          push(addStalled, endpoint.target, summarize(stalled.add).median);
          push(removeStalled, endpoint.target, summarize(stalled.remove).median);
          push(slowest, endpoint.target, Math.max(...stalled.add, ...stalled.remove, stalled.timeouts > 0 ? CALL_TIMEOUT_MS : 0));
          push(timeouts, endpoint.target, stalled.timeouts + calm.timeouts);
          await client.ask({ cmd: 'close' }, 10_000);
        }
        ctx.log(`scenario7 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await client.stop();
      await echo.stop();
    }
    const label = `${LIVE} live connections`;
    return [
      { scenario: 'scenario7', label: `add toxic, ${label}`, unit: 'ms', values: add, goal: goals.controlMs },
      { scenario: 'scenario7', label: `remove toxic, ${label}`, unit: 'ms', values: remove, goal: goals.controlMs },
      { scenario: 'scenario7', label: `add toxic, ${label} + 1 stalled reader`, unit: 'ms', values: addStalled, goal: goals.controlMs },
      { scenario: 'scenario7', label: `remove toxic, ${label} + 1 stalled reader`, unit: 'ms', values: removeStalled, goal: goals.controlMs },
      { scenario: 'scenario7', label: 'slowest call with a stalled reader', unit: 'ms', values: slowest },
      { scenario: 'scenario7', label: `API calls blocked > ${CALL_TIMEOUT_MS / 1000} s`, unit: 'count', values: timeouts, goal: goals.controlTimeouts },
    ];
  },
};
