import type { ToxicSpec } from '../lib/api.js';
import { run } from '../lib/children.js';
import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import type { Goal } from '../lib/goals.js';
import type { Row } from '../lib/report.js';
import { PROXY_NAME, roundOrder, startEndpoints, stopEndpoints, type Endpoint } from '../lib/targets.js';

const PG_PORT = 5432;
const DATABASE = 'fl_bench_pgbench';
const CLIENTS = 4;

/** Request-level toxics that look at every statement and act on none: the framing's whole cost. */
const NON_MATCHING: ToxicSpec[] = [
  { name: 'never-error', type: 'error', stream: 'downstream', attributes: { keyword: 'DROP', sqlstate: '40001' } },
  { name: 'never-delay', type: 'delay', stream: 'downstream', attributes: { ms: 100, query: 'fl_never_matches' } },
];

/** Issue 10's target, beside scenario 8's for HTTP. */
const pgbenchRatio: Goal = { op: '>=', limit: 0.85, text: '≥ 0.85× tcp proxy', reference: '' };

const pgArgs = ['-h', '127.0.0.1', '-U', 'postgres'];

/** pgbench's tables in a database of their own, made once (scale 1: 100 000 accounts). */
async function prepare(ctx: Context): Promise<void> {
  const exists = await run('psql', [...pgArgs, '-d', 'postgres', '-At', '-c', `SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`], 30_000);
  if (exists.trim() !== '1') await run('createdb', [...pgArgs, DATABASE], 30_000);
  const ready = await run('psql', [...pgArgs, '-d', DATABASE, '-At', '-c', "SELECT to_regclass('pgbench_accounts') IS NOT NULL"], 30_000);
  if (ready.trim() !== 't') {
    ctx.log('scenario11: pgbench -i (scale 1)');
    await run('pgbench', [...pgArgs, '-i', '-q', '-s', '1', DATABASE], 300_000);
  }
}

/** Select-only TPS (without connection time) through `port`. */
async function pgbench(port: number, seconds: number): Promise<number> {
  const out = await run('pgbench', [...pgArgs, '-p', String(port), '-S', '-n', '-c', String(CLIENTS), '-j', '2', '-T', String(seconds), DATABASE], (seconds + 60) * 1000);
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
  if (m === null) throw new Error(`pgbench printed no tps: ${out.slice(-300)}`);
  return Number(m[1]);
}

/**
 * Scenario 11: what framing PostgreSQL costs. pgbench -S (select only, 4 clients, simple
 * protocol) → direct, a tcp proxy, and a postgres proxy whose two request-level toxics match
 * nothing → the local PostgreSQL, in rotated order each round.
 */
export const pgbenchScenario: Scenario = {
  id: 'scenario11',
  title: 'pgbench -S through a postgres proxy (framed) vs a tcp proxy',
  async run(ctx: Context): Promise<Row[]> {
    const seconds = ctx.quick ? 3 : 10;
    await prepare(ctx);
    const tps: PerTarget = {};
    const framed: PerTarget = {};
    const ratio: PerTarget = {};
    let endpoints: Endpoint[] = [];
    try {
      const [pgEndpoint] = await startEndpoints(['faultline'], PG_PORT, ctx.proxy, { protocol: 'postgres' });
      const postgres = pgEndpoint as Endpoint;
      endpoints = [...(await startEndpoints(['direct', 'faultline'], PG_PORT, ctx.proxy)), postgres];
      for (const toxic of NON_MATCHING) await postgres.server?.api.addToxic(PROXY_NAME, toxic);
      for (let round = 0; round < ctx.rounds; round++) {
        const thisRound = new Map<Endpoint, number>();
        for (const endpoint of roundOrder(endpoints, round)) thisRound.set(endpoint, await pgbench(endpoint.port, seconds));
        for (const [endpoint, value] of thisRound) {
          if (endpoint === postgres) push(framed, 'faultline', value);
          else push(tps, endpoint.target, value);
        }
        const tcp = endpoints[1] as Endpoint;
        push(ratio, 'faultline', (thisRound.get(postgres) as number) / (thisRound.get(tcp) as number));
        ctx.log(`scenario11 round ${round + 1}/${ctx.rounds} done`);
      }
    } finally {
      await stopEndpoints(endpoints);
    }
    return [
      { scenario: 'scenario11', label: `pgbench -S TPS, ${CLIENTS} clients (faultline: tcp proxy)`, unit: 'tx/s', values: tps },
      { scenario: 'scenario11', label: 'pgbench -S TPS through a postgres proxy (2 toxics, none matching)', unit: 'tx/s', values: framed },
      { scenario: 'scenario11', label: 'postgres proxy TPS vs tcp proxy', unit: '×', values: ratio, goal: pgbenchRatio },
    ];
  },
};
