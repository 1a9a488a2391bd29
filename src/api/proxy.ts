import { z } from './zod.js';
import { decode, normaliseKeys } from './decode.js';
import { badRequestBody, missingField } from './errors.js';
import { PROTOCOLS, type Protocol } from './protocols.js';
import type { ToxicJson } from './toxic.js';

/** A proxy as the API sends it; key order is Toxiproxy's. */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
  /** Left out when `tcp`, so Toxiproxy-shaped output does not change. */
  protocol?: Protocol;
  /** Envoy's `x-envoy-fault-*` request headers are obeyed (http only); left out when off. */
  envoy_fault_headers?: boolean;
  /** Cap on requests faulted by those headers at once; shown when the headers are on. */
  max_active_faults?: number;
  /** PostgreSQL and MySQL: TLS passed through unframed; left out at the default, `refuse`. */
  tls?: TlsMode;
}

/** PostgreSQL and MySQL: refuse TLS so sessions stay framable (the default), or pass it through unframed. */
export type TlsMode = 'refuse' | 'pass';

/** The protocols whose clients negotiate TLS in band, where `tls` means something. */
export function takesTls(protocol: Protocol): boolean {
  return protocol === 'postgres' || protocol === 'mysql';
}

/** faultline's proxy settings beside Toxiproxy's. */
export interface ProxyExtras {
  protocol?: Protocol;
  envoy_fault_headers?: boolean;
  max_active_faults?: number;
  tls?: TlsMode;
}

const PROXY_KEYS = ['name', 'listen', 'upstream', 'enabled', 'protocol', 'envoy_fault_headers', 'max_active_faults', 'tls'] as const;
const protocolRule = `expected one of ${PROTOCOLS.join(', ')}`;
const capRule = 'expected a whole number from 0 (0: no cap)';
export const proxyExtrasShape = {
  protocol: z.enum(PROTOCOLS, { error: protocolRule }).optional().describe(`how traffic is framed: ${PROTOCOLS.join(', ')} (default tcp)`),
  envoy_fault_headers: z.boolean({ error: 'expected true or false' }).optional().describe("obey Envoy's x-envoy-fault-* request headers (http only; default false)"),
  max_active_faults: z.int({ error: capRule }).min(0, { error: capRule }).max(Number.MAX_SAFE_INTEGER, { error: capRule }).optional().describe('cap on requests faulted by those headers at once (default 100; 0: no cap)'),
  tls: z
    .enum(['refuse', 'pass'], { error: 'expected "refuse" or "pass"' })
    .optional()
    .describe('postgres, mysql: refuse TLS so the session stays in clear and can be faulted (default refuse), or pass it through unframed'),
};
const proxyBody = z.object({
  name: z.string({ error: 'expected a string' }).optional(),
  listen: z.string({ error: 'expected a string' }).optional(),
  upstream: z.string({ error: 'expected a string' }).optional(),
  enabled: z.boolean({ error: 'expected true or false' }).optional(),
  ...proxyExtrasShape,
});

export interface ProxyCreate extends ProxyExtras {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

export type ProxyUpdate = Partial<Omit<ProxyCreate, 'name'>>;

/** A proxy to create, as a client writes it: `listen` and `enabled` have defaults. */
export interface ProxySpec extends ProxyExtras {
  name: string;
  upstream: string;
  /** Default "" (every interface, a free port); `127.0.0.1:0` for loopback and a free port. */
  listen?: string;
  enabled?: boolean;
}

function extras(b: ProxyExtras): ProxyExtras {
  const out: ProxyExtras = {};
  if (b.protocol !== undefined) out.protocol = b.protocol;
  if (b.envoy_fault_headers !== undefined) out.envoy_fault_headers = b.envoy_fault_headers;
  if (b.max_active_faults !== undefined) out.max_active_faults = b.max_active_faults;
  if (b.tls !== undefined) out.tls = b.tls;
  return out;
}

function decodeProxyBody(body: unknown, prefix: string) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequestBody(`${prefix === '' ? '' : `${prefix}: `}expected a JSON object`);
  }
  return decode(proxyBody, normaliseKeys(body, PROXY_KEYS), prefix);
}

/**
 * Validates a proxy create body. `where` is Toxiproxy's populate suffix (` at proxy 2`) and
 * `prefix` the path used in type errors (`[1]`).
 */
export function decodeProxyCreate(body: unknown, where = '', prefix = ''): ProxyCreate {
  const b = decodeProxyBody(body, prefix);
  if (b.name === undefined || b.name === '') throw missingField('name', where);
  if (b.upstream === undefined || b.upstream === '') throw missingField('upstream', where);
  return { name: b.name, listen: b.listen ?? '', upstream: b.upstream, enabled: b.enabled ?? true, ...extras(b) };
}

/** A partial update: `name` is ignored (renaming is delete + create, as in Toxiproxy). */
export function decodeProxyUpdate(body: unknown): ProxyUpdate {
  const b = decodeProxyBody(body, '');
  const update: ProxyUpdate = extras(b);
  if (b.listen !== undefined) update.listen = b.listen;
  if (b.upstream !== undefined) update.upstream = b.upstream;
  if (b.enabled !== undefined) update.enabled = b.enabled;
  return update;
}

/** Populate takes an array; every entry is validated before anything is created. */
export function decodePopulate(body: unknown): ProxyCreate[] {
  if (!Array.isArray(body)) throw badRequestBody('expected a JSON array of proxies');
  return body.map((entry, i) => decodeProxyCreate(entry, ` at proxy ${i + 1}`, `[${i}]`));
}
