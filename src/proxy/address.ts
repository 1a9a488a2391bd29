import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** A listen or upstream address split into host and port; `host` "" means every interface. */
export interface HostPort {
  host: string;
  port: number;
}

/** Go's net.SplitHostPort rules and messages, which Toxiproxy's errors carry. */
export function splitHostPort(address: string): HostPort {
  const missingPort = () => new Error(`address ${address}: missing port in address`);
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0) throw new Error(`address ${address}: missing ']' in address`);
    host = address.slice(1, close);
    const rest = address.slice(close + 1);
    if (rest === '') throw missingPort();
    if (!rest.startsWith(':')) throw new Error(`address ${address}: unexpected ']' in address`);
    portText = rest.slice(1);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) throw missingPort();
    host = address.slice(0, colon);
    if (host.includes(':')) throw new Error(`address ${address}: too many colons in address`);
    portText = address.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new Error(portText === '' ? `address ${address}: missing port in address` : `address ${address}: invalid port`);
  }
  return { host, port: Number(portText) };
}

export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Resolves a listen address to the IP that will be bound, as Go does: names resolve to their
 * first IPv4 address (so `localhost` is 127.0.0.1), and an empty host stays empty.
 */
export async function resolveListen(address: string): Promise<HostPort> {
  // Go's net.Listen takes "" as every interface on a free port (Toxiproxy's default listen),
  // although SplitHostPort alone would reject it.
  if (address === '') return { host: '', port: 0 };
  const { host, port } = splitHostPort(address);
  if (host === '' || isIP(host) !== 0) return { host, port };
  let addresses;
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    throw new Error(`lookup ${host}: no such host`);
  }
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0];
  if (chosen === undefined) throw new Error(`lookup ${host}: no such host`);
  return { host: chosen.address, port };
}

/** How Toxiproxy reports a bound address: all interfaces show as `[::]`. */
export function formatBound(address: string, port: number): string {
  return formatHostPort(address === '' ? '::' : address, port);
}
