import type { ProxySpec } from '../api/proxy.js';
import { FAULTLINE_VERSION } from '../api/version.js';
import { Faultline, FaultlineError } from '../client/index.js';
import type { ServerLink } from './faults.js';
import type { Experiment, ServerSpec } from './schema.js';

/** A faultline server could not be reached or lacks a proxy: like a bad file, exit 2, nothing done. */
export class PreflightError extends Error {
  override name = 'PreflightError';
}

export interface ProxyToCreate {
  link: ServerLink;
  /** `protocol` passed through as written: the server judges it (Toxiproxy ignores it). */
  spec: Omit<ProxySpec, 'protocol'> & { protocol?: string };
  keep: boolean;
}

/** A proxy a file refers to, and where (`method`, `dependencies[0].proxies[1]`), for the message. */
export interface ProxyUse {
  server?: string | undefined;
  proxy: string;
  where: string;
}

/**
 * Connects to every server and checks every proxy named in `uses` exists or is declared with
 * an upstream; creates none yet, so a bad reference leaves the servers untouched.
 */
export async function connectServers(servers: readonly ServerSpec[], uses: readonly ProxyUse[], userAgent = `faultline-experiment/${FAULTLINE_VERSION}`): Promise<{ links: Map<string, ServerLink>; toCreate: ProxyToCreate[] }> {
  const links = new Map<string, ServerLink>();
  const toCreate: ProxyToCreate[] = [];
  const first = servers[0]?.name;
  for (const s of servers) {
    const client = new Faultline(s.url, { userAgent, timeoutMs: 5000 });
    let existing: string[];
    try {
      existing = Object.keys(await client.proxies());
    } catch (err) {
      throw new PreflightError(err instanceof FaultlineError && err.isUnreachable ? err.message : `server ${s.name} at ${s.url}: ${(err as Error).message}`);
    }
    const link: ServerLink = { name: s.name, client, faults: client, leaseTtlMs: s.lease_ttl };
    links.set(s.name, link);
    for (const p of s.proxies) {
      if (existing.includes(p.name)) continue;
      if (p.upstream === undefined) throw new PreflightError(`server ${s.name} at ${s.url} has no proxy "${p.name}" and no upstream is given to create it with`);
      toCreate.push({ link, spec: { name: p.name, upstream: p.upstream, listen: p.listen ?? '127.0.0.1:0', ...(p.protocol === undefined ? {} : { protocol: p.protocol }) }, keep: p.keep });
    }
    const declared = new Set([...existing, ...s.proxies.map((p) => p.name)]);
    for (const n of uses) {
      if ((n.server ?? first) !== s.name) continue;
      if (!declared.has(n.proxy)) throw new PreflightError(`server ${s.name} at ${s.url} has no proxy "${n.proxy}" (used in ${n.where}); add it to servers[].proxies with an upstream to create it`);
    }
  }
  return { links, toCreate };
}

/** Connects to every server and checks every proxy the experiment names; creates none yet. */
export async function preflight(exp: Experiment): Promise<{ links: Map<string, ServerLink>; toCreate: ProxyToCreate[] }> {
  const named = exp.method.flatMap((step) => [
    step.fault,
    typeof step.down === 'string' ? { proxy: step.down } : step.down,
    ...(step.random?.faults ?? []).map((f) => f.fault ?? (typeof f.down === 'string' ? { proxy: f.down } : f.down)),
  ]);
  const uses = named.flatMap((n) => (n === undefined ? [] : [{ server: n.server, proxy: n.proxy, where: 'method' }]));
  return connectServers(exp.servers, uses);
}
