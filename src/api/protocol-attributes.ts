import type { FramedProtocol } from './protocols.js';

/**
 * The request-level attributes that mean something on one protocol only. Every other attribute
 * (counts, `probability`, a delay's `ms`, a plugin's own) means the same on every protocol.
 */
const OWN: Record<FramedProtocol, readonly string[]> = {
  http: ['method', 'path', 'query', 'headers', 'host', 'status', 'body', 'response_headers'],
  redis: ['command', 'key', 'message'],
  memcached: ['command', 'key', 'message', 'miss'],
  postgres: ['keyword', 'query', 'message', 'sqlstate', 'severity'],
  mysql: ['keyword', 'query', 'message', 'code', 'sqlstate'],
};

const SPECIFIC = new Set(Object.values(OWN).flat());

/** Toxics that act on parts only HTTP has (a body, a header section). */
const HTTP_ONLY_TOXICS = new Set(['truncate', 'slow_headers']);

/**
 * Why a request-level toxic does not fit a proxy's protocol, or null when it does: a type that
 * needs HTTP, or an attribute set away from its default that the protocol has no use for (a
 * `sqlstate` on a Redis proxy would otherwise be ignored without a word).
 */
export function protocolMismatch(
  type: string,
  attributes: Record<string, unknown>,
  defaults: Record<string, unknown>,
  protocol: FramedProtocol,
): string | null {
  if (HTTP_ONLY_TOXICS.has(type) && protocol !== 'http') {
    return `type: ${type} acts on HTTP responses and needs "protocol": "http"; this proxy is ${protocol}`;
  }
  const own = OWN[protocol];
  for (const [name, value] of Object.entries(attributes)) {
    if (!SPECIFIC.has(name) || value === undefined || value === defaults[name]) continue;
    // `query` is an object of parameters on HTTP and a regular expression on SQL.
    if (name === 'query') {
      const sql = protocol === 'postgres' || protocol === 'mysql';
      if (typeof value === 'string' && !sql) return `attributes.query: a regular expression over the statement is for postgres and mysql proxies; on ${protocol}, ${protocol === 'http' ? 'give an object of query parameters' : 'use key'}`;
      if (typeof value === 'object' && protocol !== 'http') return `attributes.query: an object of query parameters is for http proxies; on ${protocol}, ${sql ? 'give a regular expression over the statement' : 'use key'}`;
      continue;
    }
    if (!own.includes(name)) {
      const where = (Object.keys(OWN) as FramedProtocol[]).filter((p) => OWN[p].includes(name));
      return `attributes.${name}: means something on ${where.join(', ')} proxies only; this proxy is ${protocol} (its own attributes: ${own.join(', ')})`;
    }
  }
  return null;
}
