import { z } from './zod.js';
import { decode } from './decode.js';
import { badRequestBody } from './errors.js';
import { MAX_LEASE_TTL_MS } from './lease.js';

const ttlRule = `expected a whole number of milliseconds from 1 to ${MAX_LEASE_TTL_MS}`;
const leaseBody = z.object({
  ttl_ms: z.int({ error: ttlRule }).min(1, { error: ttlRule }).max(MAX_LEASE_TTL_MS, { error: ttlRule }),
});

export function decodeLeaseCreate(body: unknown): { ttlMs: number } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequestBody('expected a JSON object');
  return { ttlMs: decode(leaseBody, body).ttl_ms };
}

/** A renew may change the ttl; an empty body keeps it. */
export function decodeLeaseRenew(body: unknown): { ttlMs?: number } {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) return {};
  return decodeLeaseCreate(body);
}
