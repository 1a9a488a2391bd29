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
  cpuPerRequest: number;
  p50: number;
  p99: number;
}

/** Issue 11: the experiment generator sustains at least 0.8× autocannon's maximum rate. */
const vsAutocannon: Goal = { op: '>=', limit: 0.8, text: '≥ 0.8× autocannon', reference: '' };
/** The rate at which latencies are compared: well inside what every tool sustains here. */
const LATENCY_RATE = 500;
/**
 * The generator's connections: the 32 that autocannon and wrk get (-c 32). Past them it
 * pipelines, so the in-flight cap below is not a connection count: 512 (16 deep) covers the
 * stalls of tens of ms a shared 2-core machine has, at the rates measured here.
 */
const CONNECTIONS = 32;
const MAX_IN_FLIGHT = 512;
/** Seconds of discarded load before each measured run (autocannon: --warmup of the same). */
const WARMUP = 1;
const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

/** A percentile line of `wrk --latency` in ms. */
function wrkPercentile(text: string, p: string): number {
  const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (m === null) throw new Error(`cannot read wrk's ${p}% line: ${text.slice(0, 300)}`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** autocannon -j with --warmup prints the warm-up's JSON and then the run's: the last line. */
function autocannonRps(out: string): number {
  const lines = out.trim().split('\n');
  return (JSON.parse(lines[lines.length - 1] as string) as { requests: { average: number } }).requests.average;
}

const projectBin = fileURLToPath(new URL('../../../node_modules/.bin/autocannon', import.meta.url));

function findAutocannon(): string | null {
  const found = spawnSync('bash', ['-c', 'command -v autocannon'], { encoding: 'utf8' }).stdout.trim();
  if (found !== '') return found;
  return existsSync(projectBin) ? projectBin : null;
}

/**
 * The test: at least 99 % of the requested rate answered, no errors. Arrivals dropped
 * at the in-flight cap count against the 1 % (they are not answered).
 */
function sustained(t: Trial): boolean {
  return t.failed === 0 && t.achieved >= 0.99 * t.rate;
}

/**
 * Scenario 9. The open-model generator of `faultline experiment` (one process, so one core)
 * against nginx (or our Node server): the highest constant rate it holds within 1 % with
 * nothing dropped, found by growing the rate by half until it fails and then bisecting; beside
 * autocannon's and wrk's maximum (closed model, 32 connections) in the same rounds, and its
 * latency percentiles at a fixed rate and at that highest rate. Every tool gets 32 connections
 * and a warm-up.
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
    const trial = (rate: number, secs = seconds): Promise<Trial> =>
      runHelper<Trial>('clients/open-load.js', [url, String(rate), String(secs), String(MAX_IN_FLIGHT), String(CONNECTIONS), String(WARMUP)], (secs + WARMUP) * 1000 + 20_000);
    const max: PerTarget = {};
    const acMax: PerTarget = {};
    const ratio: PerTarget = {};
    const wrkRps: PerTarget = {};
    const p50: PerTarget = {};
    const p99: PerTarget = {};
    const maxP50: PerTarget = {};
    const maxP99: PerTarget = {};
    const cpu: PerTarget = {};
    const wrkP50: PerTarget = {};
    const wrkP99: PerTarget = {};
    try {
      for (let round = 0; round < ctx.rounds; round++) {
        let good = 0;
        let bad = 0;
        let best: Trial | undefined;
        // A rate fails only if it fails twice: one stall of this shared machine would otherwise
        // end the search far below what the generator holds (a closed-model average barely notices it).
        const attempt = async (rate: number): Promise<void> => {
          let t = await trial(rate);
          if (!sustained(t)) t = await trial(rate);
          if (!sustained(t)) bad = rate;
          else [good, best] = [rate, t];
        };
        for (let rate = 500; bad === 0 && rate <= 200_000; rate = Math.round(rate * 1.5)) await attempt(rate);
        for (let i = 0; i < (ctx.quick ? 2 : 4) && bad - good > good * 0.02; i++) await attempt(Math.round((good + bad) / 2));
        push(max, 'faultline', good);
        if (best !== undefined) {
          push(maxP50, 'faultline', best.p50);
          push(maxP99, 'faultline', best.p99);
          push(cpu, 'faultline', best.cpuPerRequest);
        }
        const fixed = await trial(LATENCY_RATE);
        push(p50, 'faultline', fixed.p50);
        push(p99, 'faultline', fixed.p99);
        if (autocannon !== null) {
          const args = ['-c', String(CONNECTIONS), '-d', String(seconds + 1), '--warmup', '[', '-c', String(CONNECTIONS), '-d', String(WARMUP), ']', '-j', url];
          const rps = autocannonRps(await run(autocannon, args, (seconds + 1 + WARMUP) * 1000 + 20_000));
          push(acMax, 'faultline', rps);
          push(ratio, 'faultline', good / rps);
        }
        if (ctx.tools.wrk !== null) {
          const out = await run(ctx.tools.wrk, ['-t1', `-c${CONNECTIONS}`, `-d${seconds + 1}s`, '--latency', url], (seconds + 1) * 1000 + 15_000);
          const w = parseWrk(out);
          push(wrkRps, 'faultline', w.rps);
          push(wrkP50, 'faultline', wrkPercentile(out, '50'));
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
      { scenario: 'scenario9', label: 'generator p50 at its max rate (from intended time)', unit: 'ms', values: maxP50 },
      { scenario: 'scenario9', label: 'generator p99 at its max rate (from intended time)', unit: 'ms', values: maxP99 },
      { scenario: 'scenario9', label: 'generator CPU per request at its max rate', unit: 'µs', values: cpu },
    ];
    if (autocannon !== null) {
      rows.push({ scenario: 'scenario9', label: 'autocannon max rate (-c 32)', unit: 'req/s', values: acMax });
      rows.push({ scenario: 'scenario9', label: 'generator max vs autocannon', unit: '×', values: ratio, goal: vsAutocannon });
    }
    if (ctx.tools.wrk !== null) {
      rows.push({ scenario: 'scenario9', label: 'wrk max rate (-t1 -c32)', unit: 'req/s', values: wrkRps });
      rows.push({ scenario: 'scenario9', label: 'wrk p50 at its max rate (closed model)', unit: 'ms', values: wrkP50 });
      rows.push({ scenario: 'scenario9', label: 'wrk p99 at its max rate (closed model)', unit: 'ms', values: wrkP99 });
    }
    return rows;
  },
};
