import type { ConfigDocument } from '../api/config.js';
import type { ApiErrorCode } from '../api/errors.js';
import { takesTls, type ProxyExtras } from '../api/proxy.js';
import { toFloat32, type Stream } from '../api/toxic.js';
import { defaultToxicName } from '../api/toxic-name.js';
import { defaultAttributes, type AnyToxicAttributes, type ToxicType } from '../api/toxic-types.js';
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
  /** faultline's settings: protocol, Envoy fault headers. */
  extras: ProxyExtras;
  toxics: Map<string, DesiredToxic>;
}

function normalise(doc: ConfigDocument): Map<string, DesiredProxy> {
  const out = new Map<string, DesiredProxy>();
  for (const p of doc.proxies) {
    const toxics = new Map<string, DesiredToxic>();
    for (const t of p.toxics ?? []) {
      const stream = t.stream ?? 'downstream';
      const name = t.name ?? defaultToxicName(t.type, stream);
      const attributes = { ...defaultAttributes(t.type), ...(t.attributes as AnyToxicAttributes | undefined) };
      toxics.set(name, { name, type: t.type, stream, toxicity: toFloat32(t.toxicity ?? 1), attributes });
    }
    const extras: ProxyExtras = {};
    if (p.protocol !== undefined) extras.protocol = p.protocol;
    if (p.envoy_fault_headers !== undefined) extras.envoy_fault_headers = p.envoy_fault_headers;
    if (p.max_active_faults !== undefined) extras.max_active_faults = p.max_active_faults;
    if (p.tls !== undefined) extras.tls = p.tls;
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
const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** A proxy's settings as a full update: what a declaration leaves out goes back to its default. */
function extrasUpdate(extras: ProxyExtras): ProxyExtras {
  return {
    protocol: extras.protocol ?? 'tcp',
    envoy_fault_headers: extras.envoy_fault_headers ?? false,
    ...(extras.max_active_faults === undefined ? {} : { max_active_faults: extras.max_active_faults }),
    ...(extras.tls !== undefined ? { tls: extras.tls } : takesTls(extras.protocol ?? 'tcp') ? { tls: 'refuse' as const } : {}),
  };
}

/** The API error's code, so a "not there any more" is told apart from a real failure by what it is. */
const code = (err: unknown): ApiErrorCode | undefined => (err as { code?: ApiErrorCode }).code;

/** Rethrows unless the error is one of the codes the caller expects and can go on from. */
function unless(...codes: ApiErrorCode[]) {
  return (err: unknown): void => {
    const c = code(err);
    if (c === undefined || !codes.includes(c)) throw err;
  };
}

export interface SyncSummary {
  created: string[];
  updated: string[];
  deleted: string[];
  errors: string[];
}

/**
 * Puts a declared set of proxies and toxics in place on the server, in process. Each apply is
 * compared with what this applier last applied, not with the live state, so only what changed
 * in the declaration is touched: unchanged proxies keep their listeners and connections (a `:0`
 * listen is not re-bound), changed toxics are retuned in place on live connections, and proxies
 * it never declared (created through the API) are left alone. Used by `startServer({proxies})`
 * and by the config file and its watcher.
 */
export class DesiredState {
  private applied = new Map<string, DesiredProxy>();

  constructor(private readonly state: ProxyCollection) {}

  async apply(doc: ConfigDocument): Promise<SyncSummary> {
    const desired = normalise(doc);
    const summary: SyncSummary = { created: [], updated: [], deleted: [], errors: [] };
    for (const [name, want] of desired) {
      const had = this.applied.get(name);
      try {
        const spec = { name, listen: want.listen, upstream: want.upstream, enabled: want.enabled, ...want.extras };
        // A declared proxy deleted through the API is created again, toxics and all.
        const fresh = had === undefined || !this.state.has(name);
        if (fresh && this.state.has(name)) {
          // Declared here but made elsewhere (the API, another declaration): take it over, with
          // populate's rules, which keep an equal proxy's listener.
          await this.state.populate([spec]);
          summary.updated.push(name);
        } else if (fresh) {
          await this.state.create(spec);
          summary.created.push(name);
        } else if (had.listen !== want.listen || had.upstream !== want.upstream || had.enabled !== want.enabled || !same(had.extras, want.extras)) {
          await this.state.update(name, { listen: want.listen, upstream: want.upstream, enabled: want.enabled, ...extrasUpdate(want.extras) });
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
        await this.state.delete(name).catch(unless('PROXY_NOT_FOUND'));
      } catch (err) {
        summary.errors.push(`proxy ${JSON.stringify(name)}: ${(err as Error).message}`);
        continue;
      }
      this.applied.delete(name);
      summary.deleted.push(name);
    }
    return summary;
  }

  /** Applies the difference between two toxic lists of a proxy; says whether anything changed. */
  private async syncToxics(proxy: string, before: Map<string, DesiredToxic>, after: Map<string, DesiredToxic>): Promise<boolean> {
    let changed = false;
    const remove = (name: string) => this.state.removeToxic(proxy, name).catch(unless('TOXIC_NOT_FOUND'));
    const update = (t: DesiredToxic) =>
      this.state.updateToxic(proxy, t.name, () => ({ toxicity: t.toxicity, attributes: t.attributes, unknownAttributes: [] }));
    const add = async (t: DesiredToxic) => {
      try {
        await this.state.addToxic(proxy, { ...t, streamText: t.stream, unknownAttributes: [] });
      } catch (err) {
        unless('TOXIC_EXISTS')(err);
        // The name exists already (added through the API): take it over with these values.
        await update(t);
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
      } else if (had.toxicity !== want.toxicity || !same(had.attributes, want.attributes)) {
        await update(want).catch(async (err: unknown) => {
          unless('TOXIC_NOT_FOUND')(err);
          await add(want);
        });
      } else continue;
      changed = true;
    }
    return changed;
  }
}
