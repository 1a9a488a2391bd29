import { z } from 'zod';
import { decode } from './decode.js';
import { ApiError, badRequestBody } from './errors.js';

/**
 * Leases: faultline's addition for experiments (not in Toxiproxy). A toxic added, or a proxy
 * disabled, with the header below names a lease; when the lease is not renewed within its ttl
 * the server removes those toxics and re-enables those proxies, so a runner killed with
 * SIGKILL leaves no fault behind.
 */
export const LEASE_HEADER = 'x-faultline-lease';

/** Longest ttl accepted: a day. Longer would defeat the point of a lease. */
export const MAX_LEASE_TTL_MS = 86_400_000;

export interface LeaseJson {
  id: string;
  ttl_ms: number;
  /** ISO time at which the server rolls the lease's faults back unless it is renewed. */
  expires_at: string;
  /** What the lease holds now: toxics as `proxy/toxic`, proxies it disabled. */
  toxics: string[];
  disabled_proxies: string[];
}

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

export const leaseNotFound = (): ApiError => new ApiError(404, 'LEASE_NOT_FOUND', 'lease not found');
