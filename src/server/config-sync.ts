import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ConfigDocument } from '../api/config.js';
import { toFloat32, type Stream } from '../api/toxic.js';
import type { ProxyExtras } from '../api/proxy.js';
import { defaultAttributes, type AnyToxicAttributes, type ToxicType } from '../api/toxic-types.js';
import type { Logger } from '../proxy/logger.js';
import { ConfigError, readConfig } from './config-file.js';
import type { ProxyCollection } from './state.js';

interface DesiredToxic {
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
  attributes: AnyToxicAttributes;
}

interface DesiredProxy {
  listen: string;
  upstream: string;
  enabled: boolean;
  extras: ProxyExtras;
  toxics: Map<string, DesiredToxic>;
}

function normalise(doc: ConfigDocument): Map<string, DesiredProxy> {
  const out = new Map<string, DesiredProxy>();
  for (const p of doc.proxies) {
    const toxics = new Map<string, DesiredToxic>();
    for (const t of p.toxics ?? []) {
      const stream = t.stream ?? 'downstream';
      const name = t.name ?? `${t.type}_${stream}`;
      const attributes = { ...defaultAttributes(t.type), ...(t.attributes as AnyToxicAttributes | undefined) };
      toxics.set(name, { name, type: t.type, stream, toxicity: toFloat32(t.toxicity ?? 1), attributes });
    }
    const extras: ProxyExtras = {};
    if (p.protocol !== undefined) extras.protocol = p.protocol;
    if (p.envoy_fault_headers !== undefined) extras.envoy_fault_headers = p.envoy_fault_headers;
    if (p.max_active_faults !== undefined) extras.max_active_faults = p.max_active_faults;
    out.set(p.name, { listen: p.listen ?? '', upstream: p.upstream, enabled: p.enabled ?? true, extras, toxics });
  }
  return out;
}

/** Attributes are JSON values of any shape; equal when their JSON is, key order aside. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
const sameAttributes = (a: AnyToxicAttributes, b: AnyToxicAttributes) => same(a, b);

const status = (err: unknown) => (err as { status?: number }).status;

export interface SyncSummary {
  created: string[];
  updated: string[];
  deleted: string[];
  errors: string[];
}

/**
 * Keeps the server in step with a config file. Each reload is compared with what was last
 * applied from the file, not with the live state, so only what the edit changed is touched:
 * unchanged proxies keep their listeners and connections (a `:0` listen is not re-bound), and
 * changed toxics are retuned in place on live connections. Proxies the file never declared,
 * created through the API, are left alone.
 */
export class ConfigSync {
  private applied = new Map<string, DesiredProxy>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly state: ProxyCollection,
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  /** Reads and applies the file; any problem is thrown (the server should not start). */
  async load(): Promise<SyncSummary> {
    const summary = await this.apply(await readConfig(this.file));
    if (summary.errors.length > 0) throw new ConfigError(`cannot apply config ${this.file}: ${summary.errors.join('; ')}`);
    return summary;
  }

  /** Re-reads the file; a broken edit is reported and the running state kept. */
  async reload(): Promise<SyncSummary | undefined> {
    let doc: ConfigDocument;
    try {
      doc = await readConfig(this.file);
    } catch (err) {
      this.logger.error({ file: this.file, error: (err as Error).message }, 'Config not reloaded: keeping the running state');
      return undefined;
    }
    const summary = await this.apply(doc);
    if (summary.errors.length > 0) this.logger.error({ file: this.file, errors: summary.errors }, 'Config reloaded with errors');
    else this.logger.info({ file: this.file, created: summary.created, updated: summary.updated, deleted: summary.deleted }, 'Config reloaded');
    return summary;
  }

  /** Watches the file's folder (editors often replace the file rather than write it). */
  watch(onReload?: (summary: SyncSummary | undefined) => void): void {
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(this.timer);
      // Editors write in several steps; wait for them to settle.
      this.timer = setTimeout(() => {
        this.running = this.running.then(async () => {
          const summary = await this.reload();
          try {
            onReload?.(summary);
          } catch (err) {
            // An embedder's callback must not stop later reloads or the server's close().
            this.logger.error({ file: this.file, err }, 'Config reload callback failed');
          }
        });
      }, 100);
    });
    this.watcher.on('error', (err) => this.logger.error({ file: this.file, err }, 'Config watch failed'));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.running;
  }

  private async apply(doc: ConfigDocument): Promise<SyncSummary> {
    const desired = normalise(doc);
    const summary: SyncSummary = { created: [], updated: [], deleted: [], errors: [] };
    for (const [name, want] of desired) {
      const had = this.applied.get(name);
      try {
        // A declared proxy deleted through the API is created again, toxics and all.
        const fresh = had === undefined || !this.state.has(name);
        if (fresh) {
          await this.state.create({ name, listen: want.listen, upstream: want.upstream, enabled: want.enabled, ...want.extras });
          summary.created.push(name);
        } else if (had.listen !== want.listen || had.upstream !== want.upstream || had.enabled !== want.enabled || !same(had.extras, want.extras)) {
          await this.state.update(name, { listen: want.listen, upstream: want.upstream, enabled: want.enabled, protocol: want.extras.protocol ?? 'tcp', envoy_fault_headers: want.extras.envoy_fault_headers ?? false, ...(want.extras.max_active_faults === undefined ? {} : { max_active_faults: want.extras.max_active_faults }) });
          summary.updated.push(name);
        }
        if (await this.syncToxics(name, fresh ? new Map() : had.toxics, want.toxics)) {
          if (had !== undefined && !summary.updated.includes(name)) summary.updated.push(name);
        }
        this.applied.set(name, want);
      } catch (err) {
        summary.errors.push(`proxy ${JSON.stringify(name)}: ${(err as Error).message}`);
      }
    }
    for (const name of [...this.applied.keys()]) {
      if (desired.has(name)) continue;
      try {
        await this.state.delete(name);
      } catch (err) {
        if (status(err) !== 404) {
          summary.errors.push(`proxy ${JSON.stringify(name)}: ${(err as Error).message}`);
          continue;
        }
      }
      this.applied.delete(name);
      summary.deleted.push(name);
    }
    return summary;
  }

  /** Applies the difference between two toxic lists of a proxy; says whether anything changed. */
  private async syncToxics(proxy: string, before: Map<string, DesiredToxic>, after: Map<string, DesiredToxic>): Promise<boolean> {
    let changed = false;
    const remove = async (name: string) => {
      await this.state.removeToxic(proxy, name).catch((err: unknown) => {
        if (status(err) !== 404) throw err;
      });
    };
    const add = async (t: DesiredToxic) => {
      try {
        await this.state.addToxic(proxy, { ...t, streamText: t.stream, unknownAttributes: [] });
      } catch (err) {
        if (status(err) !== 409) throw err;
        // The name exists already (added through the API): take it over with the file's values.
        await this.state.updateToxic(proxy, t.name, () => ({ toxicity: t.toxicity, attributes: t.attributes, unknownAttributes: [] }));
      }
    };
    for (const name of before.keys()) {
      if (!after.has(name)) {
        await remove(name);
        changed = true;
      }
    }
    for (const [name, want] of after) {
      const had = before.get(name);
      if (had === undefined) await add(want);
      else if (had.type !== want.type || had.stream !== want.stream) {
        await remove(name);
        await add(want);
      } else if (had.toxicity !== want.toxicity || !sameAttributes(had.attributes, want.attributes)) {
        await this.state.updateToxic(proxy, name, () => ({ toxicity: want.toxicity, attributes: want.attributes, unknownAttributes: [] })).catch(async (err: unknown) => {
          if (status(err) !== 404) throw err;
          await add(want);
        });
      } else continue;
      changed = true;
    }
    return changed;
  }
}
