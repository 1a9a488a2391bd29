import type { Server } from 'node:http';
import { createServer } from '../node-http.js';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ProxyConfig } from '../api/config.js';
// The one server file that imports the client: `RunningServer.client` is a convenience for
// embedders. Nothing inside the server uses it; the server applies its own state in process.
import { Faultline } from '../client/faultline.js';
import { LIMITS } from '../api/limits.js';
import { silentLogger, type Logger } from '../proxy/logger.js';
import { isLoopbackHost, isWildcard, ownHosts } from './access.js';
import { createApp } from './app.js';
import type { ConfigSync, SyncSummary } from './config-sync.js';
import { Dashboard } from './dashboard.js';
import type { MetricsOptions } from './metrics.js';
import type { FaultlinePlugin } from '../plugin.js';
import { ProxyCollection } from './state.js';

export interface ServerOptions {
  /** API host; default 127.0.0.1. */
  host?: string;
  /** API port; default 8474, 0 for an ephemeral one. */
  port?: number;
  /** Seed for toxicity rolls and jitter; random when omitted. */
  seed?: number;
  logger?: Logger;
  /** Prometheus metrics at `/metrics`; both kinds are on by default, `false` removes the route. */
  metrics?: MetricsOptions | false;
  /** Proxies (and their toxics) to create once the API is up, in the config file's shape. */
  proxies?: readonly ProxyConfig[];
  /** A config file (YAML or JSON) to apply at start; an invalid one makes the start fail. */
  config?: string;
  /** Re-apply the config file whenever it changes; a broken edit is logged and ignored. */
  watch?: boolean;
  /**
   * Toxic plugins (`definePlugin({...})` from 'faultline/plugin') to register before anything
   * else, so the API, config and schema know their types. Process-wide, as the registries are.
   */
  toxics?: readonly FaultlinePlugin[];
  /** Plugin modules to load, by path (relative to the working directory). */
  plugins?: readonly string[];
  /** Called after each reload of a watched config (undefined when the edit was rejected). */
  onConfigReload?: (summary: SyncSummary | undefined) => void;
  /** Serve the web dashboard at /ui; default true. */
  ui?: boolean;
  /**
   * When set, every API call must send `Authorization: Bearer <token>` (the client and the CLI
   * read it from FAULTLINE_API_TOKEN). Without one, an API on a non-loopback address is
   * reachable by anyone on that network, and a warning says so.
   */
  apiToken?: string;
}

export interface RunningServer {
  /** Base URL of the control API, e.g. http://127.0.0.1:8474 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly seed: number;
  readonly state: ProxyCollection;
  /** A client for this server. */
  readonly client: Faultline;
  /** The dashboard's address, or null when it is switched off. */
  readonly uiUrl: string | null;
  /** Stops the API and every proxy, closing all their connections. */
  close(): Promise<void>;
}

/** Starts the control API and returns once it is listening; rejects if the port cannot be bound. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  // What a start without these options does not need is not loaded: plugins, the config reader
  // (yaml, zod), prom-client (with the first scrape). docs/performance.md, start-up.
  const hasToxics = options.toxics !== undefined && options.toxics.length > 0;
  const hasPlugins = options.plugins !== undefined && options.plugins.length > 0;
  if (hasToxics || hasPlugins) {
    const { loadPluginFiles, registerPlugins } = await import('./plugins.js');
    if (hasToxics) registerPlugins(options.toxics as readonly FaultlinePlugin[], 'startServer({toxics})');
    if (hasPlugins) await loadPluginFiles(options.plugins as readonly string[]);
  }
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  // Reproducibility, not secrecy, is what a seed is for.
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const state = new ProxyCollection(seed, logger);
  let registry: Promise<Registry> | undefined;
  const metricsOptions = options.metrics;
  const metrics =
    metricsOptions === false ? null : () => (registry ??= import('./metrics.js').then(({ createMetrics }) => createMetrics(state, metricsOptions)));
  const token = options.apiToken === undefined || options.apiToken === '' ? undefined : options.apiToken;
  let hosts: ReadonlySet<string> = new Set();
  const dashboard = options.ui === false ? null : new Dashboard({ hosts: () => hosts, token });
  const app = createApp(state, logger, metrics, { token, dashboard });
  // Explicit, documented limit; Node's parser answers 431 beyond it rather than resetting.
  const http: Server = createServer({ maxHeaderSize: LIMITS.headerBytes }, (req, res) => void app(req, res));
  // Go's http.Server keeps idle connections for 60 s; clients that pool connections expect it.
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8474, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  hosts = ownHosts(host, port, isWildcard(host) ? (await import('node:os')).networkInterfaces() : {});
  if (token === undefined && !isLoopbackHost(host)) {
    logger.warn(
      { host },
      'The API listens on a non-loopback address without an API token: anyone who can reach it can change every proxy. Set --api-token or FAULTLINE_API_TOKEN.',
    );
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  let sync: ConfigSync | undefined;
  const url = `http://${urlHost}:${port}`;
  const running: RunningServer = {
    url,
    host,
    port,
    seed,
    state,
    client: new Faultline(url, token === undefined ? {} : { token }),
    uiUrl: dashboard === null ? null : `${url}/ui/`,
    close: () =>
      (closing ??= (async () => {
        await sync?.close();
        await state.close();
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          // Event streams and idle keep-alive sockets would otherwise hold the close open.
          http.closeAllConnections();
        });
      })()),
  };
  try {
    if (options.config !== undefined) {
      const { ConfigSync } = await import('./config-sync.js');
      sync = new ConfigSync(state, options.config, logger);
      const summary = await sync.load();
      logger.info({ config: options.config, proxies: summary.created }, 'Applied config file');
      if (options.watch === true) sync.watch(options.onConfigReload);
    }
    if (options.proxies !== undefined && options.proxies.length > 0) {
      const where = 'startServer({proxies})';
      const [{ validateConfig }, { DesiredState }] = await Promise.all([import('./config-file.js'), import('./desired-state.js')]);
      const summary = await new DesiredState(state).apply(validateConfig(where, { proxies: options.proxies }));
      if (summary.errors.length > 0) throw new Error(`${where}: ${summary.errors.join('; ')}`);
    }
  } catch (err) {
    await running.close();
    throw err;
  }
  return running;
}

export { ProxyCollection } from './state.js';
export { ConfigError, PluginError } from './errors.js';
export type { FaultlinePlugin } from '../plugin.js';
export type { SyncSummary } from './config-sync.js';
export type { Logger } from '../proxy/logger.js';
