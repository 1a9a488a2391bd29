/**
 * What a proxy's traffic is. `tcp` forwards a byte stream (Toxiproxy's model); the others are
 * framed into requests and responses, so request-level toxics can act on single requests.
 */
export const PROTOCOLS = ['tcp', 'http', 'redis', 'postgres', 'mysql', 'memcached'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export type FramedProtocol = Exclude<Protocol, 'tcp'>;

export function isProtocol(value: unknown): value is Protocol {
  return typeof value === 'string' && (PROTOCOLS as readonly string[]).includes(value);
}

/** Concurrently faulted requests a proxy allows from Envoy's fault headers, unless told otherwise. */
export const DEFAULT_MAX_ACTIVE_FAULTS = 100;
