import { ApiError } from './errors.js';

/**
 * Leases: faultline's addition for experiments (not in Toxiproxy). A toxic added, or a proxy
 * disabled, with the header below names a lease; when the lease is not renewed within its ttl
 * the server removes those toxics and re-enables those proxies, so a runner killed with
 * SIGKILL leaves no fault behind. The body's decoders are in lease-decode.ts: the client needs
 * the header, not zod.
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

export const leaseNotFound = (): ApiError => new ApiError(404, 'LEASE_NOT_FOUND', 'lease not found');
