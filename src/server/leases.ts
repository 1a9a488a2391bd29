import { leaseNotFound, type LeaseJson } from '../api/lease.js';
import type { Logger } from '../proxy/logger.js';
import type { ProxyCollection } from './state.js';

interface Lease {
  id: string;
  ttlMs: number;
  expiresAt: number;
  timer: NodeJS.Timeout;
  /** `proxy\u0000toxic`: names may hold any character but NUL is not sent in JSON keys by clients. */
  toxics: Set<string>;
  disabled: Set<string>;
}

const key = (proxy: string, toxic: string): string => `${proxy}\u0000${toxic}`;

/**
 * The faults each lease holds, and the timers that roll them back when a lease is not renewed.
 * A fault the runner removes itself is forgotten here, so an expiry never touches a toxic of
 * the same name that someone else added later.
 */
export class LeaseTable {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly state: ProxyCollection,
    private readonly logger: Logger,
  ) {}

  create(ttlMs: number): LeaseJson {
    const id = globalThis.crypto.randomUUID();
    const lease: Lease = { id, ttlMs, expiresAt: 0, timer: this.arm(id, ttlMs), toxics: new Set(), disabled: new Set() };
    lease.expiresAt = Date.now() + ttlMs;
    this.leases.set(id, lease);
    this.logger.info({ lease: id, ttl_ms: ttlMs }, 'Created lease');
    return this.toJSON(lease);
  }

  get(id: string): LeaseJson {
    return this.toJSON(this.find(id));
  }

  renew(id: string, ttlMs?: number): LeaseJson {
    const lease = this.find(id);
    clearTimeout(lease.timer);
    if (ttlMs !== undefined) lease.ttlMs = ttlMs;
    lease.timer = this.arm(id, lease.ttlMs);
    lease.expiresAt = Date.now() + lease.ttlMs;
    return this.toJSON(lease);
  }

  /** Ends a lease without touching its faults: the runner has rolled them back itself. */
  release(id: string): void {
    const lease = this.find(id);
    clearTimeout(lease.timer);
    this.leases.delete(id);
  }

  /** Throws 404 `lease not found` for an unknown or expired lease, before the fault is made. */
  check(id: string): void {
    this.find(id);
  }

  addToxic(id: string, proxy: string, toxic: string): void {
    this.find(id).toxics.add(key(proxy, toxic));
  }

  addDisabled(id: string, proxy: string): void {
    this.find(id).disabled.add(proxy);
  }

  forgetToxic(proxy: string, toxic: string): void {
    for (const lease of this.leases.values()) lease.toxics.delete(key(proxy, toxic));
  }

  forgetDisabled(proxy: string): void {
    for (const lease of this.leases.values()) lease.disabled.delete(proxy);
  }

  /** Stops every timer; on shutdown the proxies go away with their toxics anyway. */
  close(): void {
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
  }

  private find(id: string): Lease {
    const lease = this.leases.get(id);
    if (lease === undefined) throw leaseNotFound();
    return lease;
  }

  private arm(id: string, ttlMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => void this.expire(id), ttlMs);
    timer.unref();
    return timer;
  }

  private async expire(id: string): Promise<void> {
    const lease = this.leases.get(id);
    if (lease === undefined) return;
    this.leases.delete(id);
    this.logger.warn({ lease: id, toxics: lease.toxics.size, disabled: lease.disabled.size }, 'Lease expired: rolling back its faults');
    for (const entry of lease.toxics) {
      const [proxy = '', toxic = ''] = entry.split('\u0000');
      // Already gone (removed by hand, proxy deleted) is what we want anyway.
      await this.state.removeToxic(proxy, toxic).catch(() => undefined);
    }
    for (const proxy of lease.disabled) {
      await this.state.update(proxy, { enabled: true }).catch((err: unknown) => {
        this.logger.error({ lease: id, proxy, err }, 'Lease expired: could not re-enable proxy');
      });
    }
  }

  private toJSON(lease: Lease): LeaseJson {
    return {
      id: lease.id,
      ttl_ms: lease.ttlMs,
      expires_at: new Date(lease.expiresAt).toISOString(),
      toxics: [...lease.toxics].map((k) => k.replace('\u0000', '/')),
      disabled_proxies: [...lease.disabled],
    };
  }
}
