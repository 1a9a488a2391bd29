import { spawnSync } from 'node:child_process';
import type { ToxicSpec } from '../lib/api.js';
import { run } from '../lib/children.js';
import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import type { Goal } from '../lib/goals.js';
import type { Row } from '../lib/report.js';
import { PROXY_NAME, roundOrder, startEndpoints, stopEndpoints, type Endpoint } from '../lib/targets.js';

/** The local Redis every test and bench uses; redis-benchmark works in a database of its own. */
const REDIS_PORT = 6379;
const DB = '9';

/** Request-level toxics that look at every command and act on none: the framing's whole cost. */
const NON_MATCHING: ToxicSpec[] = [
  { name: 'never-error', type: 'error', stream: 'downstream', attributes: { command: 'FLUSHALL', message: 'LOADING never' } },
  { name: 'never-delay', type: 'delay', stream: 'downstream', attributes: { ms: 100, key: 'never:*' } },
  { name: 'never-abort', type: 'abort', stream: 'downstream', attributes: { command: ['DEBUG', 'SHUTDOWN'] } },
];

const goal: Goal = { op: '>=', limit: 0.85, text: '≥ 0.85× tcp proxy', reference: '' };

/** redis-benchmark's GET and SET operations/s against `port` (its --csv output). */
async function benchmark(port: number, pipeline: number, requests: number): Promise<{ get: number; set: number }> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'get,set', '-c', '32', '-n', String(requests), '-P', String(pipeline), '--dbnum', DB, '--csv'];
  const out = await run('redis-benchmark', args, 300_000);
  const rps = (test: string): number => {
    const line = out.split('\n').find((l) => l.startsWith(`"${test}"`));
    const value = Number(line?.split(',')[1]?.replaceAll('"', ''));
    if (!Number.isFinite(value) || value <= 0) throw new Error(`redis-benchmark gave no ${test} figure: ${out.slice(0, 300)}`);
    return value;
  };
  return { get: rps('GET'), set: rps('SET') };
}

/** A faultline server with one `redis` proxy carrying the non-matching toxics, as target faultline-redis. */
async function redisEndpoint(ctx: Context): Promise<Endpoint> {
  const [endpoint] = await startEndpoints(['faultline'], REDIS_PORT, ctx.proxy, { protocol: 'redis' });
  const e = endpoint as Endpoint;
  for (const toxic of NON_MATCHING) await e.server?.api.addToxic(PROXY_NAME, toxic);
  return { ...e, target: 'faultline-redis' };
}

/**
 * Scenario 10: what framing Redis costs. redis-benchmark (32 connections, GET and SET, one
 * command per round trip and then 16 pipelined) → the local Redis directly, through a tcp
 * proxy, and through a redis proxy whose three request-level toxics match nothing, in rotated
 * order each round.
 */
export const redisFraming: Scenario = {
  id: 'scenario10',
  title: 'redis-benchmark through a redis proxy (framed) vs a tcp proxy',
  async run(ctx: Context): Promise<Row[]> {
    if (spawnSync('bash', ['-c', 'command -v redis-benchmark']).status !== 0) throw new Error('redis-benchmark is missing (apt-get install redis-tools)');
    const depths = [
      { pipeline: 1, requests: ctx.quick ? 10_000 : 50_000 },
      { pipeline: 16, requests: ctx.quick ? 50_000 : 300_000 },
    ];
    const ops = depths.map((): PerTarget => ({}));
    const ratio = depths.map((): PerTarget => ({}));
    let endpoints: Endpoint[] = [];
    try {
      endpoints = [...(await startEndpoints(['direct', 'faultline'], REDIS_PORT, ctx.proxy)), await redisEndpoint(ctx)];
      for (let round = 0; round < ctx.rounds; round++) {
        for (const [i, depth] of depths.entries()) {
          const thisRound: Partial<Record<string, number>> = {};
          for (const endpoint of roundOrder(endpoints, round)) {
            const { get, set } = await benchmark(endpoint.port, depth.pipeline, depth.requests);
            const mean = (get + set) / 2;
            push(ops[i] as PerTarget, endpoint.target, mean);
            thisRound[endpoint.target] = mean;
          }
          push(ratio[i] as PerTarget, 'faultline', (thisRound['faultline-redis'] as number) / (thisRound.faultline as number));
        }
        ctx.log(`scenario10 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
      await run('redis-cli', ['-p', String(REDIS_PORT), '-n', DB, 'DEL', 'key:__rand_int__'], 10_000).catch(() => '');
    }
    return depths.flatMap((depth, i) => [
      { scenario: 'scenario10', label: `redis GET+SET ops/s, -P ${depth.pipeline} (redis proxy: 3 toxics, none matching)`, unit: 'ops/s', values: ops[i] as PerTarget },
      { scenario: 'scenario10', label: `redis proxy ops/s vs tcp proxy, -P ${depth.pipeline}`, unit: '×', values: ratio[i] as PerTarget, goal },
    ]);
  },
};
