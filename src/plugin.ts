/**
 * What a toxic plugin imports: `import { definePlugin, defineToxic, requestAttributes, z } from
 * 'faultline/plugin'`. A plugin is a built-in toxic's two halves in the user's own module: the
 * definition (attribute schema, required names, one-line explain) and its implementation.
 * See docs/plugins.md.
 */
import { z } from './api/zod.js';
import { requestMatchShape } from './api/request-match.js';
import { defineToxic, type ToxicDefinition } from './api/toxic-definition.js';
import type { ToxicSpec } from './api/toxic.js';
import type { RequestToxicImpl } from './protocols/message.js';
import type { ToxicImpl } from './toxics/types.js';

export { z, defineToxic };
export type { ToxicDefinition };
export type { ActContext, RequestToxicImpl, RequestView, Verdict } from './protocols/message.js';
export type { Stage, StageContext, ToxicImpl } from './toxics/types.js';

/** A request-level toxic's attributes: its own plus matching, counts and probability, as the built-ins have. */
export function requestAttributes<S extends z.core.$ZodLooseShape>(own: S) {
  return z.object({ ...own, ...requestMatchShape });
}

/** A request-level plugin: acts once per request of a framed proxy (`http`, `redis`, …). */
export interface RequestPlugin<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  /** `level: 'request'`; checked when the plugin is loaded. */
  readonly definition: ToxicDefinition<S>;
  readonly implementation: RequestToxicImpl<z.output<S>>;
}

/** A byte-level plugin: a stage on one direction of every connection, like Toxiproxy's toxics. */
export interface StreamPlugin<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  /** `level: 'stream'`; checked when the plugin is loaded. */
  readonly definition: ToxicDefinition<S>;
  readonly implementation: ToxicImpl<z.output<S>>;
}

export type FaultlinePlugin<S extends z.ZodObject = z.ZodObject> = RequestPlugin<S> | StreamPlugin<S>;

/** Keeps the plugin's attribute types, so its implementation and its callers are checked. */
export function definePlugin<S extends z.ZodObject>(plugin: RequestPlugin<S>): RequestPlugin<S>;
export function definePlugin<S extends z.ZodObject>(plugin: StreamPlugin<S>): StreamPlugin<S>;
export function definePlugin<S extends z.ZodObject>(plugin: FaultlinePlugin<S>): FaultlinePlugin<S> {
  return plugin;
}

/**
 * A toxic of a plugin's type for the typed client's `addToxic`/`withToxic`, its attributes
 * checked against the plugin's schema at compile time: the client's own types know only the
 * built-ins. `proxy.addToxic(pluginToxic(slowFirst, { attributes: { ms: 500 } }))`.
 */
export function pluginToxic<S extends z.ZodObject>(
  plugin: FaultlinePlugin<S>,
  spec: { name?: string; stream?: 'upstream' | 'downstream'; toxicity?: number; attributes?: z.input<S> } = {},
): ToxicSpec {
  return { ...spec, type: plugin.name } as unknown as ToxicSpec;
}
