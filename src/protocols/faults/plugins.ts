import type { RequestToxicImpl } from '../message.js';

/**
 * Request-level toxics registered by plugins at start-up, beside the built-ins' static table.
 * A separate module so the `mix` toxic can reach a plugin it names without an import cycle.
 */
const plugins = new Map<string, RequestToxicImpl<any>>();

export function registerRequestImpl(type: string, impl: RequestToxicImpl<any>): void {
  plugins.set(type, impl);
}

export function pluginRequestImpl(type: string): RequestToxicImpl<any> | undefined {
  return plugins.get(type);
}
