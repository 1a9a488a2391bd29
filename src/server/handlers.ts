import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { ApiError, connectionNotFound } from '../api/errors.js';
import type { ConnectionJson } from '../api/events.js';
import { findPreset, presetDefinitions, presetJson, presetToxicPrefix, presetToxics, PRESET_NAMES, type PresetApplyJson } from '../api/presets.js';
import type { RouteName } from '../api/routes.js';
import { TOXIPROXY_API_VERSION } from '../api/version.js';
import { connectionBytes } from './events.js';
import { streamEvents } from './event-stream.js';
import { PopulateError, type ProxyCollection } from './state.js';

type Contract = typeof import('../api/index.js');
let contract: Promise<Contract> | undefined;
/**
 * The request decoders and the toxic definitions are zod schemas, tens of milliseconds to load
 * and build: loaded by the first request that needs them, so a server only asked for its version
 * or its proxies never pays for them.
 */
const loadContract = (): Promise<Contract> => (contract ??= import('../api/index.js'));
/** The runs' registry, with its decoders; loaded by the first request about runs. */
const runsOf = async (ctx: HandlerContext) => (await import('./runs.js')).runsOf(ctx.state.events);

/** What a handler answers; the app turns it into bytes with Toxiproxy's headers. */
export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: 204 }
  | { status: number; text: string; contentType: string }
  | { status: 200; stream: (req: IncomingMessage, res: ServerResponse) => void };

export interface HandlerContext {
  params: Record<string, string>;
  /** The parsed JSON body; reading it throws `bad request body: …` when it is not JSON. */
  body: () => unknown;
  state: ProxyCollection;
  /**
   * The registry, made by the first scrape (prom-client is not loaded before); null when
   * metrics are switched off: `/metrics` then answers 404, as Toxiproxy's does.
   */
  metrics: (() => Promise<Registry>) | null;
  query: URLSearchParams;
  /** The X-Faultline-Lease header: faults made in this request are held by that lease. */
  lease?: string | undefined;
}

type Handler = (ctx: HandlerContext) => Promise<Reply> | Reply;

const param = (ctx: HandlerContext, name: string): string => ctx.params[name] as string;

/** `?explain=true` adds each toxic's one-line explanation (a faultline addition, off by default). */
const flag = (ctx: HandlerContext, name: string): boolean => ['true', '1', ''].includes(ctx.query.get(name) ?? 'no');
const explain = (ctx: HandlerContext): boolean => flag(ctx, 'explain');

/** Names of the toxics a preset put on a proxy; every preset when `preset` is undefined. */
function presetToxicNames(ctx: HandlerContext, proxyName: string, preset?: string): string[] {
  const proxy = ctx.state.get(proxyName).toJSON();
  const prefixes = (preset === undefined ? PRESET_NAMES : [preset]).map(presetToxicPrefix);
  return proxy.toxics.map((t) => t.name).filter((n) => prefixes.some((p) => n.startsWith(p)));
}

async function removeToxics(ctx: HandlerContext, proxyName: string, names: readonly string[]): Promise<void> {
  for (const toxic of names) {
    await ctx.state.removeToxic(proxyName, toxic);
    ctx.state.leases.forgetToxic(proxyName, toxic);
  }
}

/**
 * Toxiproxy accepts attribute names a type does not have and ignores them; so does faultline,
 * but it says so, since `latancy` silently meaning 0 ms is a trap.
 */
function unknownAttributesWarning(type: string, names: readonly string[]): Record<string, string> | undefined {
  if (names.length === 0) return undefined;
  return { 'X-Faultline-Warning': `ignored unknown attribute${names.length > 1 ? 's' : ''} of ${type}: ${names.join(', ')}` };
}

/** A proxy disabled under a lease is re-enabled when it expires; enabled again, it is the lease's no more. */
function noteLeasedProxyChange(ctx: HandlerContext, name: string, wasEnabled: boolean, enabled: boolean): void {
  if (enabled) ctx.state.leases.forgetDisabled(name);
  else if (wasEnabled && ctx.lease !== undefined) ctx.state.leases.addDisabled(ctx.lease, name);
}


export const handlers: Record<RouteName, Handler> = {
  ProxyIndex: ({ state }) => {
    // Toxiproxy marshals a Go map, whose keys come out sorted. fromEntries defines own keys,
    // so a proxy named "__proto__" is listed like any other.
    const sorted = state.list().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { status: 200, json: Object.fromEntries(sorted.map((p) => [p.name, p.toJSON()])) };
  },
  ProxyCreate: async (ctx) => {
    const { decodeProxyCreate } = await loadContract();
    const proxy = await ctx.state.create(decodeProxyCreate(ctx.body()));
    return { status: 201, json: proxy.toJSON() };
  },
  Populate: async (ctx) => {
    const { decodePopulate } = await loadContract();
    let specs;
    try {
      specs = decodePopulate(ctx.body());
    } catch (err) {
      // Toxiproxy answers every populate failure in populate's shape (JSON, with a `proxies`
      // key), including a bad body or entry, where it reports `"proxies":null`: nothing was done.
      throw err instanceof ApiError ? new PopulateError(err, null) : err;
    }
    const proxies = await ctx.state.populate(specs);
    return { status: 201, json: { proxies: proxies.map((p) => p.toJSON()) } };
  },
  ProxyShow: (ctx) => ({ status: 200, json: ctx.state.get(param(ctx, 'proxy')).toJSON(explain(ctx)) }),
  ProxyUpdate: async (ctx) => {
    const name = param(ctx, 'proxy');
    ctx.state.get(name);
    const { decodeProxyUpdate } = await loadContract();
    const change = decodeProxyUpdate(ctx.body());
    if (ctx.lease !== undefined) ctx.state.leases.check(ctx.lease);
    const wasEnabled = ctx.state.get(name).enabled;
    const proxy = await ctx.state.update(name, change);
    noteLeasedProxyChange(ctx, name, wasEnabled, proxy.enabled);
    return { status: 200, json: proxy.toJSON() };
  },
  ProxyDelete: async (ctx) => {
    await ctx.state.delete(param(ctx, 'proxy'));
    return { status: 204 };
  },
  ToxicIndex: (ctx) => ({ status: 200, json: ctx.state.get(param(ctx, 'proxy')).toJSON(explain(ctx)).toxics }),
  ToxicCreate: async (ctx) => {
    const name = param(ctx, 'proxy');
    const proxy = ctx.state.get(name);
    const { decodeToxicCreate } = await loadContract();
    // The name is checked again under the lock; checking here too keeps Toxiproxy's order (409
    // before a bad attribute's 400).
    const spec = decodeToxicCreate(ctx.body(), (toxic) => proxy.findToxic(toxic) !== undefined);
    if (ctx.lease !== undefined) ctx.state.leases.check(ctx.lease);
    const json = await ctx.state.addToxic(name, spec);
    if (ctx.lease !== undefined) ctx.state.leases.addToxic(ctx.lease, name, json.name);
    const headers = unknownAttributesWarning(spec.type, spec.unknownAttributes);
    return { status: 200, json, ...(headers === undefined ? {} : { headers }) };
  },
  ToxicShow: (ctx) => ({ status: 200, json: ctx.state.getToxic(param(ctx, 'proxy'), param(ctx, 'toxic')).toJSON(explain(ctx)) }),
  ToxicUpdate: async (ctx) => {
    // Toxiproxy looks up the proxy and the toxic (404) before it reads the body (400).
    const { decodeToxicUpdate } = await loadContract();
    let unknown: { type: string; names: string[] } = { type: '', names: [] };
    const toxic = await ctx.state.updateToxic(param(ctx, 'proxy'), param(ctx, 'toxic'), (current) => {
      const change = decodeToxicUpdate(ctx.body(), current);
      unknown = { type: current.type, names: change.unknownAttributes };
      return change;
    });
    const headers = unknownAttributesWarning(unknown.type, unknown.names);
    return { status: 200, json: toxic, ...(headers === undefined ? {} : { headers }) };
  },
  ToxicDelete: async (ctx) => {
    await ctx.state.removeToxic(param(ctx, 'proxy'), param(ctx, 'toxic'));
    ctx.state.leases.forgetToxic(param(ctx, 'proxy'), param(ctx, 'toxic'));
    return { status: 204 };
  },
  ResetState: async ({ state }) => {
    await state.reset();
    return { status: 204 };
  },
  ConnectionIndex: (ctx) => {
    const proxy = ctx.state.get(param(ctx, 'proxy'));
    const list: ConnectionJson[] = [...proxy.connections].map((c) => ({
      id: c.id,
      client: c.clientAddress,
      opened_at: new Date(c.openedAt).toISOString(),
      bytes: connectionBytes(c),
      toxics: c.activeToxics,
    }));
    return { status: 200, json: list };
  },
  ConnectionDelete: (ctx) => {
    const proxy = ctx.state.get(param(ctx, 'proxy'));
    const id = Number(param(ctx, 'connection'));
    const connection = Number.isInteger(id) ? proxy.findConnection(id) : undefined;
    if (connection === undefined) throw connectionNotFound();
    connection.destroy();
    return { status: 204 };
  },
  Metrics: async (ctx) => {
    if (ctx.metrics === null) return { status: 404, text: '404 page not found\n', contentType: 'text/plain; charset=utf-8' };
    const registry = await ctx.metrics();
    return { status: 200, text: await registry.metrics(), contentType: registry.contentType };
  },
  FaultIndex: (ctx) => {
    const faults = ctx.state.get(param(ctx, 'proxy')).faults();
    const toxic = ctx.query.get('toxic');
    return { status: 200, json: toxic === null ? faults : faults.filter((f) => f.toxic === toxic) };
  },
  FaultClear: (ctx) => {
    ctx.state.get(param(ctx, 'proxy')).clearFaults();
    return { status: 204 };
  },
  Events: (ctx) => ({
    status: 200,
    stream: streamEvents(ctx.state.events, ctx.state, { proxy: ctx.query.get('proxy'), traffic: flag(ctx, 'traffic') }),
  }),
  // Generating the schemas takes a while (tens of ms); the registry does not change while running.
  // Built once per set of types (toxicTypesJson caches until a plugin adds one): 340 ms under load.
  ToxicTypes: async () => ({ status: 200, json: (await loadContract()).toxicTypesJson() }),
  PresetIndex: () => ({ status: 200, json: presetDefinitions.map(presetJson) }),
  PresetApply: async (ctx) => {
    const name = param(ctx, 'proxy');
    ctx.state.get(name);
    const preset = findPreset(param(ctx, 'preset'));
    if (ctx.lease !== undefined) ctx.state.leases.check(ctx.lease);
    // One preset at a time: a link is 3G or satellite, not both; the one on it is replaced.
    await removeToxics(ctx, name, presetToxicNames(ctx, name));
    const { decodeToxicCreate } = await loadContract();
    const added: string[] = [];
    try {
      for (const spec of presetToxics(preset)) {
        const json = await ctx.state.addToxic(name, decodeToxicCreate(spec));
        added.push(json.name);
      }
    } catch (err) {
      // Applied as one group: a part that fails takes the parts already added with it.
      await removeToxics(ctx, name, added).catch(() => undefined);
      throw err;
    }
    if (ctx.lease !== undefined) for (const toxic of added) ctx.state.leases.addToxic(ctx.lease, name, toxic);
    const json: PresetApplyJson = { preset: preset.name, proxy: name, toxics: added };
    return { status: 200, json };
  },
  PresetRemove: async (ctx) => {
    const name = param(ctx, 'proxy');
    const preset = findPreset(param(ctx, 'preset'));
    // Removing a preset that is not there is not an error: the proxy is as asked either way.
    await removeToxics(ctx, name, presetToxicNames(ctx, name, preset.name));
    return { status: 204 };
  },
  LeaseCreate: async (ctx) => ({ status: 201, json: ctx.state.leases.create((await loadContract()).decodeLeaseCreate(ctx.body()).ttlMs) }),
  LeaseShow: (ctx) => ({ status: 200, json: ctx.state.leases.get(param(ctx, 'lease')) }),
  LeaseRenew: async (ctx) => ({ status: 200, json: ctx.state.leases.renew(param(ctx, 'lease'), (await loadContract()).decodeLeaseRenew(ctx.body()).ttlMs) }),
  LeaseDelete: (ctx) => {
    ctx.state.leases.release(param(ctx, 'lease'));
    return { status: 204 };
  },
  RunIndex: async (ctx) => ({ status: 200, json: (await runsOf(ctx)).list() }),
  RunCreate: async (ctx) => ({ status: 201, json: (await runsOf(ctx)).create((await loadContract()).decodeRunCreate(ctx.body())) }),
  RunUpdate: async (ctx) => {
    const runs = await runsOf(ctx);
    const { decodeRunUpdate } = await loadContract();
    // Looked up first, so a run that is gone is a 404 whatever the body.
    const id = param(ctx, 'run');
    runs.get(id);
    return { status: 200, json: runs.update(id, decodeRunUpdate(ctx.body())) };
  },
  Version: () => ({
    status: 200,
    text: `{"version": "${TOXIPROXY_API_VERSION}"}\n`,
    contentType: 'application/json;charset=utf-8',
  }),
};
