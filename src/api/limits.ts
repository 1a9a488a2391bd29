import { ApiError, badRequestBody } from './errors.js';

/**
 * The control API's explicit limits. Each is answered with a status and a message naming it,
 * never a reset: a client that crosses one learns which, and the server keeps every proxy it
 * accepted addressable (a name must fit in a path the server will read back).
 */
export const LIMITS = {
  /** Request body; a populate of thousands of proxies still fits. Over it: 413. */
  bodyBytes: 8 * 1024 * 1024,
  /** Request line plus headers, Node's default made explicit. Over it: 431 (from Node's parser). */
  headerBytes: 16 * 1024,
  /**
   * A proxy or toxic name, in UTF-8 bytes. Percent-encoded, two such names still fit in a
   * `/proxies/{proxy}/toxics/{toxic}` path within `headerBytes`.
   */
  nameBytes: 1024,
  /** Proxies on one server; each holds a listening port. */
  proxies: 10_000,
  /** Toxics on one proxy, both streams together; each is a stage every chunk passes. */
  toxicsPerProxy: 1_000,
} as const;

export const bodyTooLarge = (): ApiError =>
  new ApiError(413, 'BODY_TOO_LARGE', `bad request body: larger than ${LIMITS.bodyBytes} bytes`);

export const tooManyProxies = (): ApiError =>
  new ApiError(400, 'LIMIT_EXCEEDED', `too many proxies: a server holds at most ${LIMITS.proxies}`);

export const tooManyToxics = (): ApiError =>
  new ApiError(400, 'LIMIT_EXCEEDED', `too many toxics: a proxy holds at most ${LIMITS.toxicsPerProxy}`);

// With the u flag a paired surrogate is one code point, so only lone halves match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const utf8 = new TextEncoder();

/**
 * Why `name` cannot be used as a proxy or toxic name, or undefined when it can. A name must come
 * back intact through a URL path: no lone UTF-16 surrogates (they do not survive UTF-8), and not
 * `.` or `..` (URL parsers resolve those segments away, even percent-encoded).
 */
export function nameProblem(name: string): string | undefined {
  if (LONE_SURROGATE.test(name)) return 'contains a lone UTF-16 surrogate, which cannot be sent in a path';
  if (name === '.' || name === '..') return `cannot be "${name}", which URLs resolve away`;
  const bytes = utf8.encode(name).length;
  if (bytes > LIMITS.nameBytes) return `longer than ${LIMITS.nameBytes} bytes (${bytes})`;
  return undefined;
}

/** Throws 400 `bad request body: <field>: <problem>` when `name` cannot be used. */
export function checkName(name: string, field = 'name'): void {
  const problem = nameProblem(name);
  if (problem !== undefined) throw badRequestBody(`${field}: ${problem}`);
}
