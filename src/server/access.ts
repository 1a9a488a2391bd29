import type { IncomingMessage } from 'node:http';
import type { NetworkInterfaceInfo } from 'node:os';

/** Compares secrets in constant time, so a wrong guess says nothing about the right one. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // node:crypto loads here, with the first token checked: an ES import of it loaded it (11 ms
  // on Node 24) and built its namespace (6 ms more) in every command and server start.
  return a.length === b.length && process.getBuiltinModule('node:crypto').timingSafeEqual(a, b);
}

/** Whether a request carries the API token as `Authorization: Bearer <token>`. */
export function hasToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  return sameSecret(match?.[1], token);
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/** Bound to every interface: its Host names include each interface's address (ownHosts). */
export const isWildcard = (host: string): boolean => WILDCARDS.has(host);
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The `Host` values by which a browser reaches this server: its loopback names, the address it
 * is bound to, and, when bound to every interface, each interface's address. A page on any other
 * name, such as an attacker's domain re-pointed at 127.0.0.1 (DNS rebinding), is refused.
 */
export function ownHosts(bound: string, port: number, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = {}): Set<string> {
  const names = new Set<string>(LOOPBACK_NAMES);
  if (WILDCARDS.has(bound)) {
    for (const list of Object.values(interfaces)) {
      for (const i of list ?? []) names.add(i.family === 'IPv6' ? `[${i.address.split('%')[0]}]` : i.address);
    }
  } else names.add(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound);
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(`${name.toLowerCase()}:${port}`);
    if (port === 80) hosts.add(name.toLowerCase());
  }
  return hosts;
}

/**
 * Why a browser request may not reach the dashboard, or undefined when it may: its `Host` must
 * be one of this server's own, and a request another site sends (`Origin`, or the browser's
 * `Sec-Fetch-Site`) is refused.
 */
export function crossSiteReason(req: IncomingMessage, hosts: ReadonlySet<string>): string | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) return `Host ${JSON.stringify(host)} is not this server's address`;
  // Following a link to the page from elsewhere is fine: the other site cannot read what it
  // opens, and the page refuses to be framed. Its calls to the API are held to the rules below.
  if (req.method === 'GET' && req.headers['sec-fetch-mode'] === 'navigate') return undefined;
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) return `Origin ${JSON.stringify(origin)} is not this server`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `a ${site} request`;
  return undefined;
}
