import {
  ApiError,
  listenFailed,
  proxyExists,
  proxyNotFound,
  toxicExists,
  toxicNotFound,
  type ProxyCreate,
  type ProxyJson,
  type ProxyUpdate,
  type ToxicCreate,
  type ToxicJson,
  type ToxicUpdate,
} from '../api/index.js';
import { formatBound, resolveListen } from '../proxy/address.js';
import type { Logger } from '../proxy/logger.js';
import { Proxy } from '../proxy/proxy.js';
import { ToxicEntry } from '../proxy/toxic-entry.js';
import { toxicImpls } from '../toxics/index.js';
import { EventBus } from './events.js';
import { LeaseTable } from './leases.js';
import { Mutex } from './mutex.js';

/**
 * Populate failed: the error, plus the proxies it had created or kept by then, or null when it
 * failed before doing anything (a bad body or entry), as Toxiproxy reports it.
 */
export class PopulateError extends Error {
  constructor(
    readonly apiError: ApiError,
    readonly proxies: ProxyJson[] | null,
  ) {
    super(apiError.message);
  }
}

function asListenError(err: unknown): ApiError {
  return err instanceof ApiError ? err : listenFailed((err as Error).message);
}

/** Every proxy by name, and the operations of the control API with Toxiproxy's semantics. */
export class ProxyCollection {
  private readonly proxies = new Map<string, Proxy>();
  private readonly mutex = new Mutex();
  private closed = false;
  /** Runs a change under the lock; after close() no change may bind ports again. */
  private readonly lock = {
    run: <T>(task: () => Promise<T> | T): Promise<T> =>
      this.mutex.run(() => {
        if (this.closed) throw new ApiError(503, 'INTERNAL', 'server is shutting down');
        return task();
      }),
  };

  readonly events: EventBus;
  /** faultline's leases (experiments): faults rolled back by the server if not renewed. */
  readonly leases: LeaseTable;

  constructor(
    private readonly seed: number,
    private readonly logger: Logger,
  ) {
    this.events = new EventBus(logger);
    this.leases = new LeaseTable(this, logger);
  }

  private proxyChanged(type: 'proxy-created' | 'proxy-updated', proxy: Proxy): void {
    this.logger.info({ name: proxy.name, listen: proxy.listen, upstream: proxy.upstream, enabled: proxy.enabled }, type === 'proxy-created' ? 'Created proxy' : 'Updated proxy');
    this.events.emit({ type, proxy: proxy.name, state: proxy.toJSON() });
  }

  has(name: string): boolean {
    return this.proxies.has(name);
  }

  list(): Proxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): Proxy {
    const proxy = this.proxies.get(name);
    if (proxy === undefined) throw proxyNotFound();
    return proxy;
  }

  private build(spec: ProxyCreate): Proxy {
    return new Proxy({ ...spec, seed: this.seed, logger: this.logger, observer: this.events });
  }

  /** Creates and, if enabled, starts a proxy; a proxy that cannot bind is not registered. */
  create(spec: ProxyCreate): Promise<Proxy> {
    return this.lock.run(async () => {
      if (this.proxies.has(spec.name)) throw proxyExists();
      const proxy = this.build(spec);
      if (spec.enabled) await this.start(proxy);
      this.proxies.set(spec.name, proxy);
      this.proxyChanged('proxy-created', proxy);
      return proxy;
    });
  }

  /** Binds a proxy's listener; failures carry Toxiproxy's listen error text (500). */
  private async start(proxy: Proxy): Promise<void> {
    try {
      await proxy.start();
    } catch (err) {
      throw asListenError(err);
    }
  }

  /**
   * Whether `listen`/`upstream` differ from the running proxy's: the listen address is compared
   * after resolution, so `localhost:P` equals a bound `127.0.0.1:P`; port 0 always differs.
   */
  private async differs(proxy: Proxy, listen: string, upstream: string): Promise<boolean> {
    if (upstream !== proxy.upstream) return true;
    if (listen === proxy.listen) return false;
    const target = await resolveListen(listen);
    return target.port === 0 || formatBound(target.host, target.port) !== proxy.listen;
  }

  /** Partial update: only a changed listen or upstream restarts the proxy (and drops its connections). */
  update(name: string, change: ProxyUpdate): Promise<Proxy> {
    return this.lock.run(async () => {
      const proxy = this.get(name);
      const listen = change.listen ?? proxy.listen;
      const upstream = change.upstream ?? proxy.upstream;
      const enabled = change.enabled ?? proxy.enabled;
      let differs: boolean;
      try {
        differs = await this.differs(proxy, listen, upstream);
      } catch (err) {
        throw listenFailed((err as Error).message);
      }
      if (differs) {
        await proxy.stop();
        proxy.listen = listen;
        proxy.setUpstream(upstream);
        proxy.enabled = false;
      }
      if (enabled && !proxy.running) {
        await this.start(proxy);
      } else if (!enabled && proxy.running) {
        await proxy.stop();
      }
      proxy.enabled = enabled;
      this.proxyChanged('proxy-updated', proxy);
      return proxy;
    });
  }

  delete(name: string): Promise<void> {
    return this.lock.run(async () => {
      const proxy = this.get(name);
      this.proxies.delete(name);
      await proxy.stop();
      this.logger.info({ name }, 'Deleted proxy');
      this.events.emit({ type: 'proxy-deleted', proxy: name });
    });
  }

  /**
   * Creates or replaces proxies in order. An entry equal to an existing proxy keeps it
   * untouched, toxics and all. The first failure stops the rest; what was done stays done.
   */
  populate(specs: readonly ProxyCreate[]): Promise<Proxy[]> {
    return this.lock.run(async () => {
      const done: Proxy[] = [];
      for (const spec of specs) {
        try {
          const existing = this.proxies.get(spec.name);
          if (existing !== undefined) {
            let differs: boolean;
            try {
              differs = await this.differs(existing, spec.listen, spec.upstream);
            } catch (err) {
              throw listenFailed(`listen tcp: ${(err as Error).message}`);
            }
            if (!differs) {
              done.push(existing);
              continue;
            }
            await existing.stop();
            existing.enabled = false;
          }
          const proxy = this.build(spec);
          if (spec.enabled) await this.start(proxy);
          this.proxies.set(spec.name, proxy);
          this.proxyChanged(existing === undefined ? 'proxy-created' : 'proxy-updated', proxy);
          done.push(proxy);
        } catch (err) {
          throw new PopulateError(asListenError(err), done.map((p) => p.toJSON()));
        }
      }
      return done;
    });
  }

  /** Enables every proxy and removes every toxic; connections stay open. */
  reset(): Promise<void> {
    return this.lock.run(async () => {
      for (const proxy of this.proxies.values()) {
        const wasEnabled = proxy.running;
        if (!wasEnabled) await this.start(proxy);
        proxy.enabled = true;
        const names = [...proxy.toxics.upstream, ...proxy.toxics.downstream].map((t) => t.name);
        proxy.removeAllToxics();
        for (const toxic of names) this.events.emit({ type: 'toxic-removed', proxy: proxy.name, toxic });
        if (!wasEnabled) this.proxyChanged('proxy-updated', proxy);
      }
    });
  }

  addToxic(proxyName: string, spec: ToxicCreate): Promise<ToxicJson> {
    return this.lock.run(() => {
      const proxy = this.get(proxyName);
      if (proxy.findToxic(spec.name) !== undefined) throw toxicExists();
      const entry = new ToxicEntry(
        spec.name,
        spec.type,
        spec.stream,
        spec.streamText,
        spec.toxicity,
        spec.attributes,
        toxicImpls[spec.type],
      );
      proxy.addToxic(entry);
      this.logger.info({ proxy: proxyName, toxic: spec.name, type: spec.type, stream: spec.stream }, 'Added toxic');
      this.events.emit({ type: 'toxic-added', proxy: proxyName, toxic: entry.toJSON() });
      return entry.toJSON();
    });
  }

  getToxic(proxyName: string, toxicName: string): ToxicEntry {
    const toxic = this.get(proxyName).findToxic(toxicName);
    if (toxic === undefined) throw toxicNotFound();
    return toxic;
  }

  updateToxic(proxyName: string, toxicName: string, decode: (current: ToxicEntry) => ToxicUpdate): Promise<ToxicJson> {
    return this.lock.run(() => {
      const proxy = this.get(proxyName);
      const toxic = this.getToxic(proxyName, toxicName);
      const change = decode(toxic);
      proxy.updateToxic(toxic, change.toxicity, change.attributes);
      this.logger.info({ proxy: proxyName, toxic: toxicName }, 'Updated toxic');
      this.events.emit({ type: 'toxic-updated', proxy: proxyName, toxic: toxic.toJSON() });
      return toxic.toJSON();
    });
  }

  removeToxic(proxyName: string, toxicName: string): Promise<void> {
    return this.lock.run(() => {
      const proxy = this.get(proxyName);
      proxy.removeToxic(this.getToxic(proxyName, toxicName));
      this.logger.info({ proxy: proxyName, toxic: toxicName }, 'Removed toxic');
      this.events.emit({ type: 'toxic-removed', proxy: proxyName, toxic: toxicName });
    });
  }

  /** Stops every proxy; used on shutdown. */
  close(): Promise<void> {
    return this.mutex.run(async () => {
      this.closed = true;
      this.leases.close();
      await Promise.all([...this.proxies.values()].map((p) => p.stop()));
    });
  }
}
