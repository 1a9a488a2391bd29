import { z } from 'zod';
import { decode, normaliseKeys } from './decode.js';
import { badRequestBody, missingField } from './errors.js';
import type { ToxicJson } from './toxic.js';

/** A proxy as the API sends it; key order is Toxiproxy's. */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

const PROXY_KEYS = ['name', 'listen', 'upstream', 'enabled'] as const;
const proxyBody = z.object({
  name: z.string({ error: 'expected a string' }).optional(),
  listen: z.string({ error: 'expected a string' }).optional(),
  upstream: z.string({ error: 'expected a string' }).optional(),
  enabled: z.boolean({ error: 'expected true or false' }).optional(),
});

export interface ProxyCreate {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

export type ProxyUpdate = Partial<Omit<ProxyCreate, 'name'>>;

/** A proxy to create, as a client writes it: `listen` and `enabled` have defaults. */
export interface ProxySpec {
  name: string;
  upstream: string;
  /** Default "" (every interface, a free port); `127.0.0.1:0` for loopback and a free port. */
  listen?: string;
  enabled?: boolean;
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
  return { name: b.name, listen: b.listen ?? '', upstream: b.upstream, enabled: b.enabled ?? true };
}

/** A partial update: `name` is ignored (renaming is delete + create, as in Toxiproxy). */
export function decodeProxyUpdate(body: unknown): ProxyUpdate {
  const b = decodeProxyBody(body, '');
  const update: ProxyUpdate = {};
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
