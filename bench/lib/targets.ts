import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ToxiApi, type ToxicSpec } from './api.js';
import { start, stop } from './children.js';
import { maxNofile } from './node.js';
import { freePort } from './ports.js';

/** 'reference' is bench/reference/epoll-proxy.c, run by the scenarios that measure a hop's cost. */
export type TargetName = 'direct' | 'faultline' | 'toxiproxy' | 'reference' | 'faultline-http' | 'faultline-redis';
/** The targets a run is asked for; scenarios add the reference (and faultline's framed proxies) themselves. */
export type RunTarget = Exclude<TargetName, 'reference' | 'faultline-http' | 'faultline-redis'>;

const faultlineMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface ProxyServerOptions {
  toxiproxyPath: string | null;
  /** When set, faultline runs under --cpu-prof and writes its profile here on exit. */
  profileDir: string | null;
}

/** One way to reach an upstream: straight to it, or through a proxy server of its own. */
export interface Endpoint {
  target: TargetName;
  port: number;
  /** The proxy server process and its API; absent for direct. */
  server?: { pid: number; api: ToxiApi; child: ChildProcess };
}

export const PROXY_NAME = 'bench';

async function waitForApi(api: ToxiApi, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited during start (code ${child.exitCode})`);
    try {
      await api.version();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${what} API did not answer within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function startProxyServer(target: 'faultline' | 'toxiproxy', options: ProxyServerOptions): Promise<Endpoint['server'] & object> {
  const port = await freePort();
  const child =
    target === 'faultline'
      ? start(
          process.execPath,
          [
            ...(options.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`]),
            faultlineMain,
            'server',
            '--port',
            String(port),
            '--log-level',
            'silent',
          ],
          { nofile: maxNofile },
        )
      : start(options.toxiproxyPath as string, ['-host', '127.0.0.1', '-port', String(port)], {
          nofile: maxNofile,
          // Toxiproxy logs every connection at info; quiet it as faultline is quieted.
          env: { ...process.env, LOG_LEVEL: 'fatal' },
        });
  const api = new ToxiApi(`http://127.0.0.1:${port}`);
  await waitForApi(api, child, target);
  return { pid: child.pid as number, api, child };
}

/**
 * The endpoints of one scenario: direct, then one fresh proxy server per proxy target, each
 * with one proxy to `upstreamPort`. Fresh servers per scenario keep CPU and RSS readings clean.
 */
export async function startEndpoints(
  targets: readonly RunTarget[],
  upstreamPort: number,
  options: ProxyServerOptions,
  extra: Record<string, unknown> = {},
): Promise<Endpoint[]> {
  const endpoints: Endpoint[] = [];
  for (const target of targets) {
    if (target === 'direct') {
      endpoints.push({ target, port: upstreamPort });
      continue;
    }
    const server = await startProxyServer(target, options);
    const port = await freePort();
    await server.api.createProxy(PROXY_NAME, `127.0.0.1:${port}`, `127.0.0.1:${upstreamPort}`, extra);
    endpoints.push({ target, port, server });
  }
  return endpoints;
}

export async function stopEndpoints(endpoints: readonly Endpoint[]): Promise<void> {
  await Promise.all(endpoints.map((e) => (e.server === undefined ? undefined : stop(e.server.child))));
}

/** The order targets run in round `round`: rotated, so no target always goes first. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** A second proxy on `endpoint`'s server to `upstreamPort`, carrying one toxic; its port. */
export async function addToxicProxy(endpoint: Endpoint, name: string, upstreamPort: number, toxic: ToxicSpec): Promise<number> {
  const api = (endpoint.server as NonNullable<Endpoint['server']>).api;
  const port = await freePort();
  await api.createProxy(name, `127.0.0.1:${port}`, `127.0.0.1:${upstreamPort}`);
  await api.addToxic(name, toxic);
  return port;
}
