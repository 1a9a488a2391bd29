/**
 * What the state needs only once it is asked to hold a proxy or a toxic: the data plane, the
 * toxics' implementations and definitions (zod schemas), and the checks made with them.
 * ProxyCollection imports this module with its first change (`import()`), so a server that is
 * only started, or only asked for its version and its proxies, never loads any of it.
 */
import { badRequestBody } from '../api/errors.js';
import { protocolMismatch } from '../api/protocol-attributes.js';
import type { Protocol } from '../api/protocols.js';
import { takesTls, type ProxyExtras } from '../api/proxy.js';
import { defaultAttributes, isToxicType, toxicLevel, type AnyToxicAttributes, type ToxicType } from '../api/toxic-types.js';
import { pluginRequestImpl, requestToxicImpls } from '../protocols/index.js';
import type { ToxicImplOf } from '../proxy/toxic-entry.js';
import { pluginToxicImpl, toxicImpls } from '../toxics/index.js';

export { formatBound, resolveListen } from '../proxy/address.js';
export { Proxy } from '../proxy/proxy.js';
export { ToxicEntry } from '../proxy/toxic-entry.js';
export { hash32 } from '../proxy/random.js';
export { takesTls, toxicLevel };

export function implementationOf(type: string): ToxicImplOf {
  if (!isToxicType(type)) throw new Error(`no implementation for toxic type ${type}`);
  if (Object.hasOwn(toxicImpls, type)) return { level: 'stream', impl: toxicImpls[type as keyof typeof toxicImpls] };
  if (Object.hasOwn(requestToxicImpls, type)) return { level: 'request', impl: requestToxicImpls[type as keyof typeof requestToxicImpls] };
  // A plugin's type, registered at start-up with its implementation.
  const stream = pluginToxicImpl(type);
  if (stream !== undefined) return { level: 'stream', impl: stream };
  const request = pluginRequestImpl(type);
  if (request !== undefined) return { level: 'request', impl: request };
  throw new Error(`no implementation for toxic type ${type}`);
}

/** A request-level toxic's attributes must mean something on the proxy's protocol. */
export function checkFits(type: ToxicType, attributes: AnyToxicAttributes, protocol: Protocol): void {
  if (protocol === 'tcp' || toxicLevel(type) !== 'request') return;
  const why = protocolMismatch(type, attributes as Record<string, unknown>, defaultAttributes(type) as Record<string, unknown>, protocol);
  if (why !== null) throw badRequestBody(why);
}

export function checkExtras(extras: ProxyExtras, protocol: Protocol): void {
  if (extras.envoy_fault_headers === true && protocol !== 'http') {
    throw badRequestBody(`envoy_fault_headers: Envoy's fault headers need "protocol": "http", got ${protocol}`);
  }
  if (extras.tls !== undefined && !takesTls(protocol)) {
    throw badRequestBody(`tls: negotiating TLS in band is for "protocol": "postgres" or "mysql", got ${protocol}`);
  }
}
