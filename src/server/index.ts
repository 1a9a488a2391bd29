import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faultline, type ProxyConfig } from '../client/faultline.js';
import { silentLogger, type Logger } from '../proxy/logger.js';
import { createApp } from './app.js';
import { ProxyCollection } from './state.js';

export interface ServerOptions {
  /** API host; default 127.0.0.1. */
  host?: string;
  /** API port; default 8474, 0 for an ephemeral one. */
  port?: number;
  /** Seed for toxicity rolls and jitter; random when omitted. */
  seed?: number;
  logger?: Logger;
  /** Proxies (and their toxics) to create once the API is up. */
  proxies?: readonly ProxyConfig[];
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
  /** Stops the API and every proxy, closing all their connections. */
  close(): Promise<void>;
}

/** Starts the control API and returns once it is listening; rejects if the port cannot be bound. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const seed = options.seed ?? randomInt(2 ** 32);
  const state = new ProxyCollection(seed, logger);
  const app = createApp(state, logger);
  const http: Server = createServer((req, res) => void app(req, res));
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
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  const url = `http://${urlHost}:${port}`;
  const running: RunningServer = {
    url,
    host,
    port,
    seed,
    state,
    client: new Faultline(url),
    close: () =>
      (closing ??= (async () => {
        await state.close();
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
      })()),
  };
  if (options.proxies !== undefined && options.proxies.length > 0) {
    try {
      await running.client.populate(options.proxies);
    } catch (err) {
      await running.close();
      throw err;
    }
  }
  return running;
}

export { ProxyCollection } from './state.js';
export type { Logger } from '../proxy/logger.js';
