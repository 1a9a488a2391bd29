import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { killAllNow, stopAll } from './lib/children.js';
import type { Context, Scenario, Tools } from './lib/context.js';
import { parseOptions, UsageError, type Options } from './lib/options.js';
import { evaluate, table, type RowResult } from './lib/report.js';
import type { RunTarget } from './lib/targets.js';
import { accuracy } from './scenarios/accuracy.js';
import { bulk } from './scenarios/bulk.js';
import { busyLatency } from './scenarios/busy-latency.js';
import { control } from './scenarios/control.js';
import { http } from './scenarios/http.js';
import { httpFraming } from './scenarios/http-framing.js';
import { idle } from './scenarios/idle.js';
import { loadGenerator } from './scenarios/load-generator.js';
import { mix } from './scenarios/mix.js';
import { pgbenchScenario } from './scenarios/pgbench.js';
import { redisFraming } from './scenarios/redis-framing.js';
import { rtt } from './scenarios/rtt.js';
import { startup } from './scenarios/startup.js';
import { toxicPath } from './scenarios/toxic-path.js';

const scenarios: Scenario[] = [bulk, rtt, http, idle, toxicPath, accuracy, control, httpFraming, loadGenerator, redisFraming, pgbenchScenario, startup, mix, busyLatency];
/** bench/ in the source tree (run.js lives in dist/bench/). */
const benchSource = fileURLToPath(new URL('../../bench/', import.meta.url));

function which(name: string, extra: readonly string[] = []): string | null {
  const found = spawnSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (found !== '') return found;
  return extra.find((p) => existsSync(p)) ?? null;
}

function setup(options: Options): Tools {
  if (options.nodeOnly) return { iperf3: null, wrk: null, nginx: null };
  if (!options.skipSetup) {
    // Inherits stdout, so what it installed (or could not) is part of the run's output.
    spawnSync('bash', [`${benchSource}setup.sh`], { stdio: 'inherit', timeout: 300_000 });
  }
  return { iperf3: which('iperf3'), wrk: which('wrk'), nginx: which('nginx', ['/usr/sbin/nginx']) };
}

function pick(options: Options): Scenario[] {
  if (options.only === null) return scenarios;
  const unknown = options.only.filter((id) => !scenarios.some((s) => s.id === id));
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(', ')}; known: ${scenarios.map((s) => s.id).join(', ')}`);
  return scenarios.filter((s) => options.only?.includes(s.id));
}

function gitRevision(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: benchSource, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const selected = pick(options);
  const tools = setup(options);
  const targets: RunTarget[] = ['direct', 'faultline', ...(options.toxiproxy === null ? [] : (['toxiproxy'] as const))];
  if (options.profileDir !== null) mkdirSync(options.profileDir, { recursive: true });
  const startedAt = Date.now();
  // Other work on a shared machine skews everything; the load average before we start hints at it.
  const loadavgAtStart = loadavg();
  const ctx: Context = {
    rounds: options.rounds,
    quick: options.quick,
    targets,
    proxy: { toxiproxyPath: options.toxiproxy, profileDir: options.profileDir },
    tools,
    notes: [],
    log: (message) => process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${message}\n`),
  };
  ctx.log(`targets: ${targets.join(', ')}; ${options.rounds} rounds${options.quick ? ' (quick)' : ''}; tools: ${Object.entries(tools).map(([k, v]) => `${k}=${v ?? 'missing'}`).join(' ')}`);
  if (options.toxiproxy === null) ctx.notes.push('no Toxiproxy binary given (--toxiproxy PATH or TOXIPROXY_SERVER): its column is the issue’s figures only');

  const results: RowResult[] = [];
  const failed: { scenario: string; error: string }[] = [];
  for (const scenario of selected) {
    ctx.log(`${scenario.id}: ${scenario.title}`);
    try {
      for (const row of await scenario.run(ctx)) results.push(evaluate(row));
    } catch (err) {
      failed.push({ scenario: scenario.id, error: (err as Error).message });
      ctx.log(`${scenario.id} FAILED: ${(err as Error).stack ?? String(err)}`);
    }
    // Nothing of one scenario may run on into the next.
    await stopAll();
  }

  const seconds = (Date.now() - startedAt) / 1000;
  const out: string[] = [
    '',
    `faultline bench: ${options.rounds} rounds, median [min…max] over rounds; ratios and differences are taken within each round`,
    // The reference C proxy and faultline's framed proxies get a column when a scenario ran them.
    table(results, [
      ...targets,
      ...(['faultline-http', 'faultline-redis', 'reference'] as const).filter((t) => results.some((r) => r.summary[t] !== undefined)),
    ]),
  ];
  const verdicts = results.filter((r) => r.verdict === 'PASS' || r.verdict === 'FAIL');
  const passed = verdicts.filter((r) => r.verdict === 'PASS').length;
  const unchecked = results.filter((r) => r.verdict === 'NOT CHECKED').length;
  out.push('', `targets met: ${passed} of ${verdicts.length}${unchecked > 0 ? ` (${unchecked} not checked: no column to compare with)` : ''}${failed.length > 0 ? `; scenarios that failed to run: ${failed.map((f) => `${f.scenario} (${f.error})`).join('; ')}` : ''}`);
  for (const note of ctx.notes) out.push(`note: ${note}`);
  const resultsDir = `${benchSource}results`;
  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}/${new Date(startedAt).toISOString().replaceAll(':', '-')}.json`;
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? '', loadavgAtStart, loadavgAtEnd: loadavg(), node: process.version };
  writeFileSync(file, `${JSON.stringify({ startedAt: new Date(startedAt).toISOString(), seconds, revision: gitRevision(), options, tools, machine, targets, results, failed, notes: ctx.notes }, null, 2)}\n`);
  // The bench itself keeps two or three processes busy, so only the figure at start speaks of others.
  out.push(`load average (1 min) before the run: ${loadavgAtStart[0]?.toFixed(2)} on ${cpus().length} cores`);
  out.push(`took ${seconds.toFixed(0)} s; JSON: ${file}`);
  process.stdout.write(`${out.join('\n')}\n`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping every child\n`);
    void stopAll().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (err) {
  process.stderr.write(err instanceof UsageError ? `${err.message}\n` : `bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 2;
} finally {
  await stopAll();
}
