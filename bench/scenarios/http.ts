import { run } from '../lib/children.js';
import { differencesToDirect, push, ratiosToDirect, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import { goals } from '../lib/goals.js';
import { startHttpUpstream } from '../lib/http-upstream.js';
import { runHelper } from '../lib/node.js';
import { startReferenceProxy } from '../lib/reference.js';
import type { Row } from '../lib/report.js';
import { roundOrder, startEndpoints, stopEndpoints } from '../lib/targets.js';

const CONNECTIONS = 32;

interface HttpResult {
  rps: number;
  /** Milliseconds. */
  p99: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

/** Reads wrk's "Requests/sec:" line and the 99% line of its --latency distribution. */
export function parseWrk(text: string): HttpResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
  if (rps === null || p99 === null) throw new Error(`cannot read wrk output: ${text.slice(0, 300)}`);
  return { rps: Number(rps[1]), p99: Number(p99[1]) * (UNIT_MS[p99[2] as string] as number) };
}

/** One load run against `port`: wrk (1 thread, 32 keep-alive connections), or our Node client without it. */
export async function loadHttp(ctx: Context, port: number, seconds: number): Promise<HttpResult> {
  if (ctx.tools.wrk !== null) {
    return parseWrk(await run(ctx.tools.wrk, ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`], seconds * 1000 + 15_000));
  }
  return runHelper<HttpResult>('clients/http-load.js', [String(port), String(CONNECTIONS), String(seconds)], seconds * 1000 + 15_000);
}

/**
 * Scenario 3. Processes: wrk (1 thread, 32 keep-alive connections) → [proxy] → nginx (one
 * process), with the reference C proxy as one more target. Falls back to our Node load client
 * and Node HTTP server where those are missing.
 */
export const http: Scenario = {
  id: 'scenario3',
  title: 'HTTP requests/s',
  async run(ctx: Context): Promise<Row[]> {
    const seconds = ctx.quick ? 1 : 3;
    const upstream = await startHttpUpstream(ctx, 'scenario3');
    const port = upstream.port;
    if (ctx.tools.wrk === null) ctx.notes.push('scenario3: wrk missing, used our Node HTTP load client');
    const endpoints = await startEndpoints(ctx.targets, port, ctx.proxy);
    const reference = await startReferenceProxy(ctx, 'scenario3', port);
    const measured = reference === null ? endpoints : [...endpoints, reference.endpoint];
    const rps: PerTarget = {};
    const p99: PerTarget = {};
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        for (const endpoint of roundOrder(measured, round)) {
          const result = await loadHttp(ctx, endpoint.port, seconds);
          push(rps, endpoint.target, result.rps);
          push(p99, endpoint.target, result.p99);
        }
        ctx.log(`scenario3 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await reference?.stop();
      await upstream.stop();
    }
    return [
      { scenario: 'scenario3', label: 'HTTP requests/s', unit: 'req/s', values: rps },
      { scenario: 'scenario3', label: 'HTTP requests/s vs direct', unit: '×', values: ratiosToDirect(rps), goal: goals.httpRatio },
      { scenario: 'scenario3', label: 'HTTP p99 latency', unit: 'ms', values: p99 },
      { scenario: 'scenario3', label: 'HTTP p99 added over direct', unit: 'ms', values: differencesToDirect(p99) },
    ];
  },
};
