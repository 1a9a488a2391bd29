import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { start, stop } from '../lib/children.js';
import { push, type PerTarget } from '../lib/compare.js';
import type { Context, Scenario } from '../lib/context.js';
import type { Goal } from '../lib/goals.js';
import { freePort } from '../lib/ports.js';
import { rssBytes } from '../lib/procstat.js';
import type { Row } from '../lib/report.js';

/** The `faultline` command users run: the bundle `npm run build` makes (package.json's bin). */
const main = fileURLToPath(new URL('../../src/bin/faultline.js', import.meta.url));
const compiledMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const bareServer = fileURLToPath(new URL('../servers/bare-http.js', import.meta.url));

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

/** The status of one API call, or 0 when the server could not be reached. */
function call(port: number, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const answers = async (port: number): Promise<boolean> => (await call(port, 'GET', '/version')) === 200;

interface Start {
  /** Spawn to the first answer to GET /version. */
  ms: number;
  rssMb: number;
  /** The first POST /proxies after that (what a test does next), when asked for. */
  firstProxyMs?: number;
}

/**
 * Spawns a server and asks /version every 2 ms: ms from spawn to the first answer, and its RSS
 * 300 ms later; then, with `createProxy`, times the first proxy it is asked to create.
 */
async function firstAnswer(command: string, args: (port: number) => string[], env: NodeJS.ProcessEnv = process.env, createProxy = false): Promise<Start> {
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
    const rssMb = rssBytes(child.pid as number) / 2 ** 20;
    if (!createProxy) return { ms, rssMb };
    const t1 = performance.now();
    const status = await call(port, 'POST', '/proxies', { name: 'first', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    if (status !== 201) throw new Error(`${command}: POST /proxies answered ${status}`);
    return { ms, rssMb, firstProxyMs: performance.now() - t1 };
  } finally {
    await stop(child);
  }
}

/**
 * Scenario 12, issue 15's start-up figures: what a user who runs the CLI in a loop, or starts
 * a server per test file, pays each time. Commands are timed to completion from spawn (wall),
 * each the median of several runs per round, beside `node -e 0` (the floor any Node program
 * pays, in the direct column); the server from spawn to its first API answer, and its RSS then,
 * beside a bare Node HTTP server started the same way (bench/servers/bare-http.ts, the direct
 * column), the two started in turn. Then the first proxy a started server is asked to create:
 * what it loads on first use rather than at start (zod, the data plane) is paid there.
 */
export const startup: Scenario = {
  id: 'scenario12',
  title: 'start-up: CLI commands, server first answer, idle RSS',
  async run(ctx: Context): Promise<Row[]> {
    // tsc alone leaves the bundle as it was: measuring it would measure an older build.
    if (!existsSync(main) || statSync(main).mtimeMs < statSync(compiledMain).mtimeMs) {
      throw new Error(`scenario12: ${main} is missing or older than the compiled modules; run npm run build (it bundles the command)`);
    }
    const runs = ctx.quick ? 3 : 7;
    const node = process.execPath;
    const nodeFloor: PerTarget = {};
    const version: PerTarget = {};
    const list: PerTarget = {};
    const listRatio: PerTarget = {};
    const first: PerTarget = {};
    const rss: PerTarget = {};
    const firstProxy: PerTarget = {};
    const faultline = (port: number): string[] => [main, 'server', '--port', String(port), '--log-level', 'silent'];
    const bare = (port: number): string[] => [bareServer, String(port)];
    // One start of each first, unmeasured, so every measured one finds the files in the page cache.
    await firstAnswer(node, faultline, process.env, true);
    await firstAnswer(node, bare);
    // A server for `list` to talk to, kept for the whole scenario.
    const apiPort = await freePort();
    const api = start(node, faultline(apiPort));
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
        const starts: Start[] = [];
        const bareStarts: Start[] = [];
        for (let i = 0; i < (ctx.quick ? 2 : 4); i++) {
          bareStarts.push(await firstAnswer(node, bare));
          starts.push(await firstAnswer(node, faultline, process.env, true));
        }
        push(first, 'direct', median(bareStarts.map((s) => s.ms)));
        push(rss, 'direct', median(bareStarts.map((s) => s.rssMb)));
        push(first, 'faultline', median(starts.map((s) => s.ms)));
        push(rss, 'faultline', median(starts.map((s) => s.rssMb)));
        push(firstProxy, 'faultline', median(starts.map((s) => s.firstProxyMs as number)));
        if (ctx.proxy.toxiproxyPath !== null) {
          const path = ctx.proxy.toxiproxyPath;
          const t = await firstAnswer(path, (port) => ['-host', '127.0.0.1', '-port', String(port)], { ...process.env, LOG_LEVEL: 'fatal' }, true);
          push(first, 'toxiproxy', t.ms);
          push(rss, 'toxiproxy', t.rssMb);
          push(firstProxy, 'toxiproxy', t.firstProxyMs as number);
        }
        ctx.log(
          `scenario12 round ${round + 1}/${ctx.rounds}: list ${l.toFixed(0)} ms (node -e 0 ${floor.toFixed(0)} ms), ` +
            `first answer ${median(starts.map((s) => s.ms)).toFixed(0)} ms (bare Node server ${median(bareStarts.map((s) => s.ms)).toFixed(0)} ms)`,
        );
      }
    } finally {
      await stop(api);
    }
    ctx.notes.push(
      'scenario12: the direct column holds the floors: node -e 0 for commands, a bare Node HTTP server (bench/servers/bare-http.ts) for the server rows; ' +
        'commands are wall time from spawn to exit, medians of several runs per round; faultline is the bundled command (dist/src/bin/faultline.js)',
    );
    return [
      { scenario: 'scenario12', label: 'node -e 0 (the floor)', unit: 'ms', values: nodeFloor },
      { scenario: 'scenario12', label: 'faultline --version', unit: 'ms', values: version },
      { scenario: 'scenario12', label: 'faultline list (running server)', unit: 'ms', values: list, goal: goals.listWall },
      { scenario: 'scenario12', label: 'faultline list vs node -e 0', unit: '×', values: listRatio, goal: goals.listVsNode },
      { scenario: 'scenario12', label: 'server: spawn → first API answer', unit: 'ms', values: first, goal: goals.firstAnswer },
      { scenario: 'scenario12', label: 'server RSS before any connection', unit: 'MB', values: rss, goal: goals.rss },
      { scenario: 'scenario12', label: 'server: first POST /proxies (first use)', unit: 'ms', values: firstProxy },
    ];
  },
};
