import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { start, stop } from '../lib/children.js';
import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import type { Goal } from '../lib/goals.js';
import { freePort } from '../lib/ports.js';
import { rssBytes } from '../lib/procstat.js';
import type { Row } from '../lib/report.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Issue 15's start-up targets. */
const goals = {
  listWall: { op: '<=', limit: 120, text: '≤ 120 ms', reference: '6 ms (toxiproxy-cli)' },
  listVsNode: { op: '<=', limit: 2, text: '≤ 2× node -e 0', reference: '' },
  firstAnswer: { op: '<=', limit: 120, text: '≤ 120 ms', reference: '15 ms' },
  rss: { op: '<=', limit: 55, text: '≤ 55 MB', reference: '12 MB' },
} as const satisfies Record<string, Goal>;

/** Wall time of one command run to completion, in ms. */
function wallMs(command: string, args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(command, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/version', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Spawns a server and asks /version every 2 ms: ms from spawn to the first answer, and its RSS then. */
async function firstAnswer(command: string, args: (port: number) => string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; rssMb: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const child = start(command, args(port), { env });
  try {
    for (;;) {
      if (await answers(port)) break;
      if (child.exitCode !== null) throw new Error(`${command} exited ${child.exitCode} before answering`);
      if (performance.now() - t0 > 15_000) throw new Error(`${command} did not answer within 15 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const ms = performance.now() - t0;
    // What it holds idle: a moment after start-up, before any proxy connection.
    await new Promise((r) => setTimeout(r, 300));
    return { ms, rssMb: rssBytes(child.pid as number) / 2 ** 20 };
  } finally {
    await stop(child);
  }
}

/**
 * Scenario 12, issue 15's start-up figures: what a user who runs the CLI in a loop, or starts
 * a server per test file, pays each time. Commands are timed to completion from spawn (wall),
 * each the median of several runs per round, beside `node -e 0` (the floor any Node program
 * pays, in the direct column); the server from spawn to its first API answer, and its RSS then.
 */
export const startup: Scenario = {
  id: 'scenario12',
  title: 'start-up: CLI commands, server first answer, idle RSS',
  async run(ctx: Context): Promise<Row[]> {
    const runs = ctx.quick ? 3 : 7;
    const node = process.execPath;
    const nodeFloor: PerTarget = {};
    const version: PerTarget = {};
    const list: PerTarget = {};
    const listRatio: PerTarget = {};
    const first: PerTarget = {};
    const rss: PerTarget = {};
    // One start first, unmeasured, so every measured one finds the files in the page cache.
    await firstAnswer(node, (port) => [main, 'server', '--port', String(port), '--log-level', 'silent']);
    // A server for `list` to talk to, kept for the whole scenario.
    const apiPort = await freePort();
    const api = start(node, [main, 'server', '--port', String(apiPort), '--log-level', 'silent']);
    try {
      while (!(await answers(apiPort))) await new Promise((r) => setTimeout(r, 10));
      for (let round = 0; round < ctx.rounds; round++) {
        const floor = median(Array.from({ length: runs }, () => wallMs(node, ['-e', '0'])));
        const v = median(Array.from({ length: runs }, () => wallMs(node, [main, '--version'])));
        const l = median(Array.from({ length: runs }, () => wallMs(node, [main, '--host', `http://127.0.0.1:${apiPort}`, 'list'])));
        push(nodeFloor, 'direct', floor);
        push(version, 'faultline', v);
        push(list, 'faultline', l);
        push(listRatio, 'faultline', l / floor);
        const starts: { ms: number; rssMb: number }[] = [];
        for (let i = 0; i < (ctx.quick ? 2 : 4); i++) starts.push(await firstAnswer(node, (port) => [main, 'server', '--port', String(port), '--log-level', 'silent']));
        push(first, 'faultline', median(starts.map((s) => s.ms)));
        push(rss, 'faultline', median(starts.map((s) => s.rssMb)));
        if (ctx.proxy.toxiproxyPath !== null) {
          const path = ctx.proxy.toxiproxyPath;
          const t = await firstAnswer(path, (port) => ['-host', '127.0.0.1', '-port', String(port)], { ...process.env, LOG_LEVEL: 'fatal' });
          push(first, 'toxiproxy', t.ms);
          push(rss, 'toxiproxy', t.rssMb);
        }
        ctx.log(`scenario12 round ${round + 1}/${ctx.rounds}: list ${l.toFixed(0)} ms (node -e 0 ${floor.toFixed(0)} ms), first answer ${median(starts.map((s) => s.ms)).toFixed(0)} ms`);
      }
    } finally {
      await stop(api);
    }
    ctx.notes.push('scenario12: node -e 0 sits in the direct column; commands are wall time from spawn to exit, medians of several runs per round');
    return [
      { scenario: 'scenario12', label: 'node -e 0 (the floor)', unit: 'ms', values: nodeFloor },
      { scenario: 'scenario12', label: 'faultline --version', unit: 'ms', values: version },
      { scenario: 'scenario12', label: 'faultline list (running server)', unit: 'ms', values: list, goal: goals.listWall },
      { scenario: 'scenario12', label: 'faultline list vs node -e 0', unit: '×', values: listRatio, goal: goals.listVsNode },
      { scenario: 'scenario12', label: 'server: spawn → first API answer', unit: 'ms', values: first, goal: goals.firstAnswer },
      { scenario: 'scenario12', label: 'server RSS before any connection', unit: 'MB', values: rss, goal: goals.rss },
    ];
  },
};
