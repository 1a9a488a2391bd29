import type { ProxyConfig } from '../api/config.js';
import type { ProxyJson, ProxySpec } from '../api/proxy.js';
import { paths } from '../api/routes.js';
import { defaultToxicName } from '../api/toxic-name.js';
import type { ToxicTypeJson } from '../api/toxic-types.js';
import { DEFAULT_URL, serverUrlFromEnvironment } from './environment.js';
import { LEASE_HEADER, type LeaseJson } from '../api/lease.js';
import type { PresetJson } from '../api/presets.js';
import type { RunCreate, RunJson, RunUpdate } from '../api/runs.js';
import { FaultlineError } from './errors.js';
import { Transport, type ClientOptions } from './http.js';
import { Lease } from './lease.js';
import { ProxyGroup } from './proxy-group.js';
import { ProxyHandle } from './proxy-handle.js';

export { DEFAULT_URL } from './environment.js';

export type { ProxyConfig } from '../api/config.js';


/**
 * A client for any Toxiproxy-compatible server: faultline's, or Toxiproxy itself. It uses only
 * `fetch`, so it runs in any JavaScript runtime.
 */
export class Faultline {
  private readonly transport: Transport;
  private readonly options: ClientOptions;

  /** `url` defaults to FAULTLINE_URL, then TOXIPROXY_URL, then http://127.0.0.1:8474. */
  constructor(url?: string, options: ClientOptions = {}) {
    let base = url ?? serverUrlFromEnvironment() ?? DEFAULT_URL;
    if (!/^https?:\/\//.test(base)) base = `http://${base}`;
    this.transport = new Transport(base, options);
    this.options = options;
  }

  get url(): string {
    return this.transport.baseUrl;
  }

  /** The Toxiproxy API version the server reports, e.g. "2.12.0". */
  async version(): Promise<string> {
    const body = await this.transport.request<{ version: string } | string>('GET', paths.version());
    return typeof body === 'string' ? body : body.version;
  }

  /** Every toxic type the server knows, plugins included (faultline only; Toxiproxy has no such route). */
  toxicTypes(): Promise<ToxicTypeJson[]> {
    return this.transport.request<ToxicTypeJson[]>('GET', paths.toxicTypes());
  }

  /** Whether the server answers at all. */
  async isReachable(): Promise<boolean> {
    try {
      await this.version();
      return true;
    } catch (err) {
      if (err instanceof FaultlineError && err.isUnreachable) return false;
      throw err;
    }
  }

  /** Every proxy, by name. */
  async proxies(): Promise<Record<string, ProxyHandle>> {
    const all = await this.transport.request<Record<string, ProxyJson>>('GET', paths.proxies());
    return Object.fromEntries(Object.entries(all).map(([name, json]) => [name, new ProxyHandle(this.transport, json)]));
  }

  /** An existing proxy; FaultlineError 404 `proxy not found` if there is none. */
  async proxy(name: string): Promise<ProxyHandle> {
    return new ProxyHandle(this.transport, await this.transport.request<ProxyJson>('GET', paths.proxy(name)));
  }

  async createProxy(spec: ProxySpec): Promise<ProxyHandle> {
    return new ProxyHandle(this.transport, await this.transport.request<ProxyJson>('POST', paths.proxies(), spec));
  }

  /**
   * Creates or replaces proxies in one call; unchanged ones are kept as they are. Toxics listed
   * in the config are then put in place (added, or updated when one of that name exists), which
   * also works against Toxiproxy, whose populate ignores them.
   */
  async populate(config: readonly ProxyConfig[] | { proxies: readonly ProxyConfig[] }): Promise<ProxyHandle[]> {
    const entries = Array.isArray(config) ? config : (config as { proxies?: unknown } | null)?.proxies;
    if (!Array.isArray(entries)) throw new TypeError('populate takes an array of proxies, or an object with a "proxies" array');
    entries.forEach((entry: unknown, i) => {
      if (entry === null || typeof entry !== 'object') throw new TypeError(`populate: proxy ${i + 1} is not an object`);
      const toxics = (entry as { toxics?: unknown }).toxics;
      if (toxics !== undefined && !Array.isArray(toxics)) throw new TypeError(`populate: the toxics of proxy ${i + 1} are not a list`);
    });
    const specs = (entries as ProxyConfig[]).map(({ toxics: _toxics, ...spec }) => spec);
    const body = await this.transport.request<{ proxies: ProxyJson[] | null }>('POST', paths.populate(), specs);
    const handles = (body.proxies ?? []).map((json) => new ProxyHandle(this.transport, json));
    for (const entry of entries as ProxyConfig[]) {
      const handle = handles.find((h) => h.name === entry.name);
      if (handle === undefined) continue;
      for (const toxic of entry.toxics ?? []) {
        try {
          await handle.addToxic(toxic);
        } catch (err) {
          if (!(err instanceof FaultlineError) || err.code !== 'TOXIC_EXISTS') throw err;
          const name = toxic.name ?? defaultToxicName(toxic.type, toxic.stream);
          await (await handle.toxic(name)).update({ ...(toxic.toxicity === undefined ? {} : { toxicity: toxic.toxicity }), attributes: toxic.attributes ?? {} });
        }
      }
      if ((entry.toxics ?? []).length > 0) await handle.refresh();
    }
    return handles;
  }

  /** Populates from a JSON file: an array of proxies, or `{ "proxies": [...] }`. Node only. */
  async populateFromFile(file: string): Promise<ProxyHandle[]> {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(file, 'utf8');
    let config: unknown;
    try {
      config = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
    }
    return this.populate(config as ProxyConfig[]);
  }

  /** Enables every proxy and removes every toxic. */
  async reset(): Promise<void> {
    await this.transport.request('POST', paths.reset());
  }

  /** The server's Prometheus metrics as text (faultline only; 404 on Toxiproxy). */
  metrics(): Promise<string> {
    return this.transport.requestText('GET', paths.metrics());
  }

  /**
   * A lease (faultline only; Toxiproxy answers 404): faults made through `underLease(lease)`
   * are rolled back by the server if the lease is not renewed within `ttlMs`.
   */
  async createLease(ttlMs: number): Promise<Lease> {
    const json = await this.transport.request<LeaseJson>('POST', paths.leases(), { ttl_ms: ttlMs });
    return new Lease(this.transport, json);
  }

  /** A client whose toxic and proxy changes are held by `lease`. */
  underLease(lease: Lease | string): Faultline {
    const id = typeof lease === 'string' ? lease : lease.id;
    return new Faultline(this.url, { ...this.options, headers: { ...this.options.headers, [LEASE_HEADER]: id } });
  }

  /** The network presets the server offers (faultline only), with their figures and toxics. */
  presets(): Promise<PresetJson[]> {
    return this.transport.request<PresetJson[]>('GET', paths.presets());
  }

  /** Runs reported to the server, oldest first (faultline only; Toxiproxy answers 404). */
  runs(): Promise<RunJson[]> {
    return this.transport.request<RunJson[]>('GET', paths.runs());
  }

  /** Reports a run that starts; runners do this for the dashboard (see src/experiments/run-report.ts). */
  createRun(spec: RunCreate): Promise<RunJson> {
    return this.transport.request<RunJson>('POST', paths.runs(), spec);
  }

  /** Reports a run's progress: `points` are appended, `cells` replace those of the same row and feature. */
  updateRun(id: string, change: RunUpdate): Promise<RunJson> {
    return this.transport.request<RunJson>('PATCH', paths.run(id), change);
  }

  /** Several proxies by name or by pattern, to fault together (`select(/redis/)`). */
  async select(which: readonly string[] | RegExp): Promise<ProxyGroup> {
    const all = await this.proxies();
    if (which instanceof RegExp) {
      return new ProxyGroup(Object.values(all).filter((p) => which.test(p.name)));
    }
    const missing = which.filter((name) => all[name] === undefined);
    if (missing.length > 0) {
      throw new FaultlineError(`proxy not found: ${missing.join(', ')}`, 404, 'GET', this.url + paths.proxies());
    }
    return new ProxyGroup(which.map((name) => all[name] as ProxyHandle));
  }
}
