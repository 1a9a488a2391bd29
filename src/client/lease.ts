import type { LeaseJson } from '../api/lease.js';
import { paths } from '../api/routes.js';
import type { Transport } from './http.js';

/** A lease on a faultline server; see Faultline.createLease. */
export class Lease {
  readonly id: string;
  ttlMs: number;
  expiresAt: string;

  constructor(
    private readonly transport: Transport,
    json: LeaseJson,
  ) {
    this.id = json.id;
    this.ttlMs = json.ttl_ms;
    this.expiresAt = json.expires_at;
  }

  /** Pushes the expiry ttl further; 404 `lease not found` once it has expired. */
  async renew(ttlMs?: number): Promise<LeaseJson> {
    const json = await this.transport.request<LeaseJson>('POST', paths.leaseRenew(this.id), ttlMs === undefined ? {} : { ttl_ms: ttlMs });
    this.ttlMs = json.ttl_ms;
    this.expiresAt = json.expires_at;
    return json;
  }

  /** What the server holds under this lease now. */
  show(): Promise<LeaseJson> {
    return this.transport.request<LeaseJson>('GET', paths.lease(this.id));
  }

  /** Ends the lease, leaving its faults as they are (roll them back first). */
  async release(): Promise<void> {
    await this.transport.request('DELETE', paths.lease(this.id));
  }
}
