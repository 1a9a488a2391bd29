import { ApiError, badRequestBody, listenFailed, proxyExists, proxyNotFound, toxicExists, toxicNotFound } from '../api/errors.js';
import { checkName, LIMITS, tooManyProxies, tooManyToxics } from '../api/limits.js';
import { PROTOCOLS } from '../api/protocols.js';
import type { ProxyCreate, ProxyExtras, ProxyJson, ProxyUpdate } from '../api/proxy.js';
import type { ToxicCreate, ToxicJson, ToxicUpdate } from '../api/toxic.js';
import type { Logger } from '../proxy/logger.js';
import type { Proxy } from '../proxy/proxy.js';
import type { ToxicEntry } from '../proxy/toxic-entry.js';
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

type DataPlane = typeof import('./data-plane.js');
let dataPlane: Promise<DataPlane> | undefined;
/** The data plane and the toxic definitions, loaded with the first change (see data-plane.ts). */
const loadDataPlane = (): Promise<DataPlane> => (dataPlane ??= import('./data-plane.js'));

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
        if (this.closed) throw new ApiError(503, 'UNAVAILABLE', 'server is shutting down');
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

  /** A new name must be addressable afterwards, and the server must have room for it. */
  private checkNew(spec: ProxyCreate, field = 'name'): void {
    checkName(spec.name, field);
    if (!this.proxies.has(spec.name) && this.proxies.size >= LIMITS.proxies) throw tooManyProxies();
  }

  private build(plane: DataPlane, spec: ProxyCreate): Proxy {
    plane.checkExtras(spec, spec.protocol ?? 'tcp');
    return new plane.Proxy({
      name: spec.name,
      listen: spec.listen,
      upstream: spec.upstream,
      enabled: spec.enabled,
      seed: this.seed,
      logger: this.logger,
      observer: this.events,
      protocol: spec.protocol ?? 'tcp',
      envoyFaultHeaders: spec.envoy_fault_headers ?? false,
      ...(spec.max_active_faults === undefined ? {} : { maxActiveFaults: spec.max_active_faults }),
      ...(spec.tls === undefined ? {} : { tls: spec.tls }),
    });
  }

  /** Applies faultline's settings to an existing proxy; checked before anything changes. */
  private applyExtras(plane: DataPlane, proxy: Proxy, change: ProxyExtras): void {
    const protocol = change.protocol ?? proxy.protocol;
    // A proxy that stops being postgres or mysql drops its TLS setting rather than refusing the change.
    const tls = change.tls ?? (plane.takesTls(protocol) && proxy.tls !== 'refuse' ? proxy.tls : undefined);
    plane.checkExtras({ envoy_fault_headers: change.envoy_fault_headers ?? proxy.envoyFaultHeaders, ...(tls === undefined ? {} : { tls }) }, protocol);
    if (protocol === 'tcp' && proxy.requestToxics.length > 0) {
      const names = proxy.requestToxics.map((t) => t.name).join(', ');
      throw badRequestBody(`protocol: a tcp proxy cannot keep request-level toxics; remove ${names} first`);
    }
    proxy.protocol = protocol;
    proxy.setHeaderFaults(change.envoy_fault_headers ?? proxy.envoyFaultHeaders, change.max_active_faults ?? proxy.maxActiveFaults);
    proxy.setTls(tls ?? 'refuse');
  }

  /** Creates and, if enabled, starts a proxy; a proxy that cannot bind is not registered. */
  create(spec: ProxyCreate): Promise<Proxy> {
    return this.lock.run(async () => {
      const plane = await loadDataPlane();
      if (this.proxies.has(spec.name)) throw proxyExists();
      this.checkNew(spec);
      const proxy = this.build(plane, spec);
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
  private async differs(proxy: Proxy, listen: string, upstream: string, anyPort = false): Promise<boolean> {
    if (upstream !== proxy.upstream) return true;
    if (listen === proxy.listen) return false;
    const { formatBound, resolveListen } = await loadDataPlane();
    const target = await resolveListen(listen);
    if (target.port !== 0) return formatBound(target.host, target.port) !== proxy.listen;
    if (!anyPort || !proxy.running) return true;
    // Populate's `:0` asks for "some free port", which the running listener already has.
    const boundPort = Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1));
    return formatBound(target.host, boundPort) !== proxy.listen;
  }

  /** Partial update: only a changed listen or upstream restarts the proxy (and drops its connections). */
  update(name: string, change: ProxyUpdate): Promise<Proxy> {
    return this.lock.run(async () => {
      const plane = await loadDataPlane();
      const proxy = this.get(name);
      const listen = change.listen ?? proxy.listen;
      const upstream = change.upstream ?? proxy.upstream;
      const enabled = change.enabled ?? proxy.enabled;
      this.applyExtras(plane, proxy, change);
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
   * Creates or replaces proxies in order. An entry equal to an existing proxy keeps it, toxics
   * and all, only switching it on or off as the entry says; a `:0` listen equals any port the
   * proxy is bound to on that host. The first failure stops the rest; what was done stays done.
   */
  populate(specs: readonly ProxyCreate[]): Promise<Proxy[]> {
    // Validated before anything is done, like Toxiproxy's required fields (`"proxies":null`).
    try {
      const fresh = new Set<string>();
      specs.forEach((spec, i) => {
        checkName(spec.name, `[${i}].name`);
        if (!this.proxies.has(spec.name)) fresh.add(spec.name);
      });
      if (this.proxies.size + fresh.size > LIMITS.proxies) throw tooManyProxies();
    } catch (err) {
      return Promise.reject(new PopulateError(err as ApiError, null));
    }
    return this.lock.run(async () => {
      const plane = await loadDataPlane();
      const done: Proxy[] = [];
      for (const spec of specs) {
        try {
          const existing = this.proxies.get(spec.name);
          if (existing !== undefined) {
            let differs: boolean;
            try {
              differs = await this.differs(existing, spec.listen, spec.upstream, true);
            } catch (err) {
              throw listenFailed(`listen tcp: ${(err as Error).message}`);
            }
            if (!differs) {
              const protocol = spec.protocol ?? 'tcp';
              this.applyExtras(plane, existing, {
                protocol,
                envoy_fault_headers: spec.envoy_fault_headers ?? false,
                ...(spec.max_active_faults === undefined ? {} : { max_active_faults: spec.max_active_faults }),
                ...(spec.tls !== undefined ? { tls: spec.tls } : plane.takesTls(protocol) ? { tls: 'refuse' as const } : {}),
              });
              if (existing.enabled !== spec.enabled) {
                if (spec.enabled) await this.start(existing);
                else await existing.stop();
                existing.enabled = spec.enabled;
                this.proxyChanged('proxy-updated', existing);
              }
              done.push(existing);
              continue;
            }
            await existing.stop();
            existing.enabled = false;
          }
          const proxy = this.build(plane, spec);
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
        proxy.clearFaults();
        for (const toxic of names) this.events.emit({ type: 'toxic-removed', proxy: proxy.name, toxic });
        if (!wasEnabled) this.proxyChanged('proxy-updated', proxy);
      }
    });
  }

  addToxic(proxyName: string, spec: ToxicCreate): Promise<ToxicJson> {
    return this.lock.run(async () => {
      const plane = await loadDataPlane();
      const proxy = this.get(proxyName);
      if (proxy.findToxic(spec.name) !== undefined) throw toxicExists();
      if (plane.toxicLevel(spec.type) === 'request' && proxy.protocol === 'tcp') {
        throw badRequestBody(
          `type: ${spec.type} acts on single requests and needs a proxy with a protocol; proxy ${JSON.stringify(proxyName)} is tcp (set "protocol" on it: ${PROTOCOLS.filter((p) => p !== 'tcp').join(', ')})`,
        );
      }
      plane.checkFits(spec.type, spec.attributes, proxy.protocol);
      checkName(spec.name);
      if (proxy.toxics.upstream.length + proxy.toxics.downstream.length >= LIMITS.toxicsPerProxy) throw tooManyToxics();
      const entry = new plane.ToxicEntry(
        spec.name,
        spec.type,
        spec.stream,
        spec.streamText,
        spec.toxicity,
        spec.attributes,
        plane.implementationOf(spec.type),
        (purpose) => plane.hash32(this.seed, proxyName, spec.name, purpose),
      );
      proxy.addToxic(entry);
      this.logger.info({ proxy: proxyName, toxic: spec.name, type: spec.type, stream: spec.stream }, 'Added toxic');
      if (spec.unknownAttributes.length > 0) {
        this.logger.warn({ proxy: proxyName, toxic: spec.name, type: spec.type, ignored: spec.unknownAttributes }, 'Toxic has unknown attributes, ignored');
      }
      this.events.emit({ type: 'toxic-added', proxy: proxyName, toxic: entry.toJSON(true) });
      return entry.toJSON();
    });
  }

  getToxic(proxyName: string, toxicName: string): ToxicEntry {
    const toxic = this.get(proxyName).findToxic(toxicName);
    if (toxic === undefined) throw toxicNotFound();
    return toxic;
  }

  updateToxic(proxyName: string, toxicName: string, decode: (current: ToxicEntry) => ToxicUpdate): Promise<ToxicJson> {
    return this.lock.run(async () => {
      const plane = await loadDataPlane();
      const proxy = this.get(proxyName);
      const toxic = this.getToxic(proxyName, toxicName);
      const change = decode(toxic);
      if (toxic.level === 'request') plane.checkFits(toxic.type, change.attributes, proxy.protocol);
      proxy.updateToxic(toxic, change.toxicity, change.attributes);
      this.logger.info({ proxy: proxyName, toxic: toxicName }, 'Updated toxic');
      if (change.unknownAttributes.length > 0) {
        this.logger.warn({ proxy: proxyName, toxic: toxicName, type: toxic.type, ignored: change.unknownAttributes }, 'Toxic has unknown attributes, ignored');
      }
      this.events.emit({ type: 'toxic-updated', proxy: proxyName, toxic: toxic.toJSON(true) });
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
