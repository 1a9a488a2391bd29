import type { ToxicSpec } from '../api/toxic.js';
import { FaultlineError, type Faultline, type Lease } from '../client/index.js';
import type { Fault } from './schema.js';

/** A server the experiment drives, with the client its faults go through. */
export interface ServerLink {
  name: string;
  client: Faultline;
  /** `client` under the lease, or `client` itself against a server without leases (Toxiproxy). */
  faults: Faultline;
  lease?: Lease;
  leaseTtlMs: number;
}

export interface ActiveFault {
  key: string;
  server: string;
  proxy: string;
  /** The toxic's name, or undefined for a proxy taken down. */
  toxic?: string;
  type: string;
  since: number;
}

export interface RollbackRecord {
  what: string;
  ok: boolean;
  error?: string;
  start: Date;
  end: Date;
}

/**
 * Every fault an experiment has in place, so each can be removed and, whatever happens, all
 * of them rolled back. Toxic attributes are passed as given (any JSON): the experiment file
 * is the authority on which toxics exist, so the client's per-type typing is bypassed here,
 * in this one place.
 */
export class FaultController {
  private readonly active = new Map<string, ActiveFault>();
  private renewTimers: NodeJS.Timeout[] = [];

  constructor(
    readonly links: ReadonlyMap<string, ServerLink>,
    private readonly now: () => number,
  ) {}

  link(server: string | undefined): ServerLink {
    const link = server === undefined ? [...this.links.values()][0] : this.links.get(server);
    if (link === undefined) throw new Error(`no server named ${server}`);
    return link;
  }

  /**
   * Takes a lease on each server that supports them and renews it at a third of its ttl.
   * Returns warnings for servers without leases; `onLost` is told when a renewal fails.
   */
  async openLeases(onLost: (server: string, err: Error) => void): Promise<string[]> {
    const warnings: string[] = [];
    for (const link of this.links.values()) {
      try {
        link.lease = await link.client.createLease(link.leaseTtlMs);
        link.faults = link.client.underLease(link.lease);
      } catch (err) {
        if (err instanceof FaultlineError && (err.status === 404 || err.status === 405)) {
          warnings.push(`server ${link.name} (${link.client.url}) has no leases (Toxiproxy?): faults are rolled back by this runner only, so killing it with SIGKILL would leave them in place`);
          continue;
        }
        throw err;
      }
      const lease = link.lease;
      const timer = setInterval(() => {
        lease.renew().catch((err: Error) => onLost(link.name, err));
      }, Math.max(50, Math.floor(link.leaseTtlMs / 3)));
      timer.unref();
      this.renewTimers.push(timer);
    }
    return warnings;
  }

  async closeLeases(): Promise<void> {
    for (const t of this.renewTimers) clearInterval(t);
    this.renewTimers = [];
    for (const link of this.links.values()) {
      if (link.lease === undefined) continue;
      await link.lease.release().catch(() => undefined);
      delete link.lease;
      link.faults = link.client;
    }
  }

  list(): ActiveFault[] {
    return [...this.active.values()];
  }

  toxicName(key: string, fault: Fault): string {
    return fault.name ?? `experiment-${key}`;
  }

  async apply(key: string, fault: Fault, attributes: Record<string, unknown> = fault.attributes): Promise<void> {
    const link = this.link(fault.server);
    const name = this.toxicName(key, fault);
    const proxy = await link.faults.proxy(fault.proxy);
    const spec = { name, type: fault.type, stream: fault.stream, toxicity: fault.toxicity, attributes } as unknown as ToxicSpec;
    await proxy.addToxic(spec);
    this.active.set(key, { key, server: link.name, proxy: fault.proxy, toxic: name, type: fault.type, since: this.now() });
  }

  async update(key: string, attributes: Record<string, unknown>): Promise<void> {
    const a = this.active.get(key);
    if (a?.toxic === undefined) return;
    const toxic = await (await this.link(a.server).faults.proxy(a.proxy)).toxic(a.toxic);
    await toxic.update({ attributes: attributes as never });
  }

  async remove(key: string): Promise<void> {
    const a = this.active.get(key);
    if (a === undefined) return;
    this.active.delete(key);
    await this.undo(a);
  }

  /** Takes a proxy down; a proxy that was down already is left alone and not brought back. */
  async down(key: string, server: string | undefined, proxyName: string): Promise<void> {
    const link = this.link(server);
    const proxy = await link.faults.proxy(proxyName);
    if (!proxy.enabled) return;
    await proxy.disable();
    this.active.set(key, { key, server: link.name, proxy: proxyName, type: 'down', since: this.now() });
  }

  private async undo(a: ActiveFault): Promise<void> {
    const link = this.link(a.server);
    try {
      if (a.toxic !== undefined) {
        const proxy = await link.faults.proxy(a.proxy);
        await (await proxy.toxic(a.toxic)).remove();
      } else {
        await (await link.faults.proxy(a.proxy)).enable();
      }
    } catch (err) {
      // Gone already (removed by hand, or by the server when a lease ran out) is rolled back.
      if (err instanceof FaultlineError && err.status === 404) return;
      throw err;
    }
  }

  /** Removes every fault still in place; tries each one even when another fails. */
  async rollbackAll(): Promise<RollbackRecord[]> {
    const records: RollbackRecord[] = [];
    for (const a of [...this.active.values()].reverse()) {
      this.active.delete(a.key);
      const start = new Date();
      const what = a.toxic === undefined ? `re-enable proxy ${a.proxy} on ${a.server}` : `remove toxic ${a.toxic} (${a.type}) from ${a.proxy} on ${a.server}`;
      try {
        await this.undo(a);
        records.push({ what, ok: true, start, end: new Date() });
      } catch (err) {
        records.push({ what, ok: false, error: (err as Error).message, start, end: new Date() });
      }
    }
    return records;
  }
}
