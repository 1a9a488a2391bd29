import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run } from '../lib/children.js';
import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import type { Goal } from '../lib/goals.js';
import { startHttpUpstream } from '../lib/http-upstream.js';
import { runHelper } from '../lib/node.js';
import type { Row } from '../lib/report.js';
import { parseWrk } from './http.js';

interface Trial {
  rate: number;
  offered: number;
  completed: number;
  failed: number;
  dropped: number;
  achieved: number;
  cpu: number;
  p50: number;
  p99: number;
}

/** Issue 11: the experiment generator sustains at least 0.8× autocannon's maximum rate. */
const vsAutocannon: Goal = { op: '>=', limit: 0.8, text: '≥ 0.8× autocannon', reference: '' };
/** The rate at which latencies are compared: well inside what every tool sustains here. */
const LATENCY_RATE = 500;

const projectBin = fileURLToPath(new URL('../../../node_modules/.bin/autocannon', import.meta.url));

function findAutocannon(): string | null {
  const found = spawnSync('bash', ['-c', 'command -v autocannon'], { encoding: 'utf8' }).stdout.trim();
  if (found !== '') return found;
  return existsSync(projectBin) ? projectBin : null;
}

function sustained(t: Trial): boolean {
  return t.dropped === 0 && t.failed === 0 && t.achieved >= 0.99 * t.rate;
}

/**
 * Scenario 9. The open-model generator of `faultline experiment` (one process, so one core)
 * against nginx (or our Node server): the highest constant rate it holds within 1 % with
 * nothing dropped, found by growing the rate by half until it fails and then bisecting; beside
 * autocannon's and wrk's maximum (closed model, 32 connections) in the same rounds, and its
 * latency percentiles at a fixed rate.
 */
export const loadGenerator: Scenario = {
  id: 'scenario9',
  title: 'experiment load generator',
  async run(ctx: Context): Promise<Row[]> {
    const seconds = ctx.quick ? 1 : 2;
    const upstream = await startHttpUpstream(ctx, 'scenario9', ' (it, not the generator, may be the limit)');
    const port = upstream.port;
    const url = `http://127.0.0.1:${port}/`;
    const autocannon = findAutocannon();
    if (autocannon === null) ctx.notes.push('scenario9: autocannon missing (npm i -g autocannon), its column and the 0.8× goal are skipped');
    if (ctx.tools.wrk === null) ctx.notes.push('scenario9: wrk missing, its figures are skipped');
    const trial = (rate: number, secs = seconds): Promise<Trial> => runHelper<Trial>('clients/open-load.js', [url, String(rate), String(secs), '512'], secs * 1000 + 20_000);
    const max: PerTarget = {};
    const acMax: PerTarget = {};
    const ratio: PerTarget = {};
    const wrkRps: PerTarget = {};
    const p50: PerTarget = {};
    const p99: PerTarget = {};
    const wrkP99: PerTarget = {};
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        let good = 0;
        let bad = 0;
        for (let rate = 500; bad === 0; rate = Math.round(rate * 1.5)) {
          if (sustained(await trial(rate))) good = rate;
          else bad = rate;
          if (rate > 200_000) break;
        }
        for (let i = 0; i < (ctx.quick ? 2 : 4) && bad - good > good * 0.02; i++) {
          const mid = Math.round((good + bad) / 2);
          if (sustained(await trial(mid))) good = mid;
          else bad = mid;
        }
        push(max, 'faultline', good);
        const fixed = await trial(LATENCY_RATE);
        push(p50, 'faultline', fixed.p50);
        push(p99, 'faultline', fixed.p99);
        if (autocannon !== null) {
          const out = await run(autocannon, ['-c', '32', '-d', String(seconds + 1), '-j', url], (seconds + 1) * 1000 + 20_000);
          const rps = (JSON.parse(out) as { requests: { average: number } }).requests.average;
          push(acMax, 'faultline', rps);
          push(ratio, 'faultline', good / rps);
        }
        if (ctx.tools.wrk !== null) {
          const w = parseWrk(await run(ctx.tools.wrk, ['-t1', '-c32', `-d${seconds + 1}s`, '--latency', url], (seconds + 1) * 1000 + 15_000));
          push(wrkRps, 'faultline', w.rps);
          push(wrkP99, 'faultline', w.p99);
        }
        ctx.log(`scenario9 round ${round + 1}/${ctx.rounds}: generator holds ${good} rps`);
      }
    } finally {
      await upstream.stop();
    }
    ctx.notes.push('scenario9: all figures sit in the faultline column: the generator, and beside it autocannon and wrk against the same upstream');
    const rows: Row[] = [
      { scenario: 'scenario9', label: 'generator: max rate held within 1 %', unit: 'req/s', values: max },
      { scenario: 'scenario9', label: `generator p50 at ${LATENCY_RATE}/s (from intended time)`, unit: 'ms', values: p50 },
      { scenario: 'scenario9', label: `generator p99 at ${LATENCY_RATE}/s (from intended time)`, unit: 'ms', values: p99 },
    ];
    if (autocannon !== null) {
      rows.push({ scenario: 'scenario9', label: 'autocannon max rate (-c 32)', unit: 'req/s', values: acMax });
      rows.push({ scenario: 'scenario9', label: 'generator max vs autocannon', unit: '×', values: ratio, goal: vsAutocannon });
    }
    if (ctx.tools.wrk !== null) {
      rows.push({ scenario: 'scenario9', label: 'wrk max rate (-t1 -c32)', unit: 'req/s', values: wrkRps });
      rows.push({ scenario: 'scenario9', label: 'wrk p99 at its max rate (closed model)', unit: 'ms', values: wrkP99 });
    }
    return rows;
  },
};
