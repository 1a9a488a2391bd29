import { createServer, type Server, type Socket } from 'node:net';
import { FAULT_LOG_SIZE, type FaultRecord } from '../api/faults.js';
import { DEFAULT_MAX_ACTIVE_FAULTS, type Protocol } from '../api/protocols.js';
import { takesTls, type ProxyJson, type TlsMode } from '../api/proxy.js';
import type { CodecOptions, FiredFault, HeaderFaultGate } from '../protocols/index.js';
import type { Stream } from '../api/toxic.js';
import type { AnyToxicAttributes } from '../api/toxic-types.js';
import { formatBound, formatHostPort, resolveListen, splitHostPort, type HostPort } from './address.js';
import { Connection, type ConnectionOwner } from './connection.js';
import type { Logger } from './logger.js';
import { nullObserver, type ProxyObserver } from './observer.js';
import { hash32, Random } from './random.js';
import type { ToxicEntry } from './toxic-entry.js';

const DEFAULT_CODEC_OPTIONS: CodecOptions = { tls: 'refuse' };

const kProxy = Symbol('faultline.proxy');
type ProxyServer = Server & { [kProxy]?: Proxy };

/** Large enough for thousands of clients arriving at once; the kernel caps it at somaxconn. */
const LISTEN_BACKLOG = 4096;

const bindErrors: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EACCES: 'permission denied',
  EAFNOSUPPORT: 'address family not supported by protocol',
};

function onConnection(this: ProxyServer, socket: Socket): void {
  const proxy = this[kProxy];
  if (proxy === undefined) socket.destroy();
  else proxy.accept(socket);
}

export interface ProxyOptions {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  seed: number;
  logger: Logger;
  observer?: ProxyObserver;
  protocol?: Protocol;
  envoyFaultHeaders?: boolean;
  maxActiveFaults?: number;
  tls?: TlsMode;
}

/** Bytes read from the source and written to the sink of one direction. */
export interface ByteCounts {
  received: number;
  sent: number;
}

/**
 * A named proxy: its listener, its live connections and its two chains of toxics. Settings
 * are public so the control plane can read them; changes go through the methods, which keep
 * every live link in step.
 */
export class Proxy implements ConnectionOwner {
  readonly name: string;
  /** As given while the proxy has never run; the address actually bound once it has. */
  listen: string;
  upstream: string;
  enabled: boolean;
  readonly seed: number;
  readonly toxics: { readonly upstream: ToxicEntry[]; readonly downstream: ToxicEntry[] } = {
    upstream: [],
    downstream: [],
  };
  readonly connections = new Set<Connection>();
  readonly observer: ProxyObserver;
  /** How new connections are framed; live ones keep the protocol they started with. */
  protocol: Protocol;
  /** Request-level toxics of both streams, in the order they were added. */
  requestToxics: ToxicEntry[] = [];
  /** The last faults that fired, oldest first, for `GET /proxies/{proxy}/faults`. */
  private readonly faultLog: FaultRecord[] = [];
  envoyFaultHeaders: boolean;
  maxActiveFaults: number;
  /** What new PostgreSQL and MySQL connections' codecs read (`tls`); replaced, never changed, so live ones keep theirs. */
  codecOptions: CodecOptions = DEFAULT_CODEC_OPTIONS;
  /** Requests faulted by Envoy headers now, and those skipped because of the cap. */
  activeHeaderFaults = 0;
  headerFaultsOverflow = 0;
  private readonly headerFaultRng: Random;
  /** Null while the proxy does not obey Envoy's fault headers. */
  headerFaultGate: HeaderFaultGate | null = null;
  /** Connections accepted since the proxy was created. */
  connectionsTotal = 0;
  upstreamFailures = 0;
  /** Bytes of connections that have closed; live ones are added when totals are read. */
  private readonly closedBytes: Record<Stream, ByteCounts> = {
    upstream: { received: 0, sent: 0 },
    downstream: { received: 0, sent: 0 },
  };
  private server: ProxyServer | null = null;
  private nextConnectionId = 1;
  private upstreamAddress: HostPort | null = null;
  private readonly logger: Logger;

  constructor(options: ProxyOptions) {
    this.name = options.name;
    this.listen = options.listen;
    this.upstream = options.upstream;
    this.enabled = options.enabled;
    this.seed = options.seed;
    this.logger = options.logger;
    this.observer = options.observer ?? nullObserver;
    this.protocol = options.protocol ?? 'tcp';
    this.envoyFaultHeaders = options.envoyFaultHeaders ?? false;
    this.maxActiveFaults = options.maxActiveFaults ?? DEFAULT_MAX_ACTIVE_FAULTS;
    this.headerFaultRng = new Random(hash32(this.seed, this.name, 'envoy-fault-headers'));
    this.setHeaderFaults(this.envoyFaultHeaders, this.maxActiveFaults);
    this.setTls(options.tls ?? 'refuse');
  }

  get tls(): TlsMode {
    return this.codecOptions.tls;
  }

  setTls(tls: TlsMode): void {
    if (tls !== this.codecOptions.tls) this.codecOptions = tls === 'refuse' ? DEFAULT_CODEC_OPTIONS : { tls };
  }

  /** Turns Envoy's fault headers on or off, with the cap on requests faulted at once (0: none). */
  setHeaderFaults(enabled: boolean, max: number): void {
    this.envoyFaultHeaders = enabled;
    this.maxActiveFaults = max;
    this.headerFaultGate = !enabled
      ? null
      : {
          tryStart: () => {
            if (this.maxActiveFaults > 0 && this.activeHeaderFaults >= this.maxActiveFaults) {
              this.headerFaultsOverflow++;
              return false;
            }
            this.activeHeaderFaults++;
            return true;
          },
          finish: () => {
            this.activeHeaderFaults = Math.max(0, this.activeHeaderFaults - 1);
          },
          random: () => this.headerFaultRng.next(),
        };
  }

  toxicRolled(connection: Connection, entry: ToxicEntry, applied: boolean): void {
    this.observer.toxicRolled(this, connection, entry, applied);
  }

  framingStopped(connection: Connection, reason: string): void {
    this.observer.framingStopped(this, connection, reason);
  }

  /** A request-level fault fired on one of this proxy's connections. */
  faultFired(connection: Connection, fault: FiredFault): void {
    const record: FaultRecord = { at: new Date().toISOString(), proxy: this.name, connection: connection.id, ...fault };
    if (this.faultLog.length >= FAULT_LOG_SIZE) this.faultLog.shift();
    this.faultLog.push(record);
    this.observer.faultFired(this, record);
  }

  faults(): readonly FaultRecord[] {
    return this.faultLog;
  }

  clearFaults(): void {
    this.faultLog.length = 0;
  }

  /** Byte totals of one direction so far, live connections included. */
  byteTotals(stream: Stream): ByteCounts {
    const totals = { ...this.closedBytes[stream] };
    for (const connection of this.connections) {
      const bytes = connection.bytes(stream);
      totals.received += bytes.received;
      totals.sent += bytes.sent;
    }
    return totals;
  }

  findConnection(id: number): Connection | undefined {
    for (const connection of this.connections) if (connection.id === id) return connection;
    return undefined;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Binds the listener. Errors carry Toxiproxy's text, e.g. `listen tcp 127.0.0.1:80: bind: …`. */
  async start(): Promise<void> {
    if (this.server !== null) return;
    let target: HostPort;
    try {
      target = await resolveListen(this.listen);
    } catch (err) {
      throw new Error(`listen tcp: ${(err as Error).message}`);
    }
    const server: ProxyServer = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
    server[kProxy] = this;
    server.on('connection', onConnection);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const reason = bindErrors[err.code ?? ''] ?? err.message;
        reject(new Error(`listen tcp ${formatHostPort(target.host, target.port)}: bind: ${reason}`));
      });
      server.listen({ host: target.host === '' ? undefined : target.host, port: target.port, backlog: LISTEN_BACKLOG }, resolve);
    });
    server.removeAllListeners('error');
    server.on('error', (err) => this.logger.error({ proxy: this.name, err }, 'Proxy listener failed'));
    const bound = server.address();
    if (bound !== null && typeof bound === 'object') this.listen = formatBound(bound.address, bound.port);
    this.server = server;
    this.logger.info({ name: this.name, listen: this.listen, upstream: this.upstream }, 'Started proxy');
  }

  /** Closes the listener and every live connection; resolves once the port is free again. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    for (const connection of this.connections) connection.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.logger.info({ name: this.name }, 'Terminated proxy');
  }

  setUpstream(upstream: string): void {
    this.upstream = upstream;
    this.upstreamAddress = null;
  }

  accept(client: Socket): void {
    const connection = new Connection(this, this.nextConnectionId++, client);
    this.connections.add(connection);
    this.connectionsTotal++;
    this.observer.connectionOpened(this, connection);
    try {
      this.upstreamAddress ??= splitHostPort(this.upstream);
    } catch (err) {
      this.upstreamFailed(connection, err as Error);
      connection.destroy();
      return;
    }
    connection.dial(this.upstreamAddress.host, this.upstreamAddress.port);
  }

  connectionFailed(connection: Connection, from: Socket, err: NodeJS.ErrnoException): void {
    if (from === connection.upstream && connection.upLink === null) {
      this.upstreamFailed(connection, err);
    } else {
      this.logger.debug({ name: this.name, client: connection.clientAddress, err: err.message }, 'Connection failed');
    }
  }

  private upstreamFailed(connection: Connection, err: Error): void {
    this.upstreamFailures++;
    this.observer.upstreamFailed(this, connection, err);
    this.logger.warn({ name: this.name, upstream: this.upstream, err: err.message }, 'Unable to open connection to upstream');
  }

  connectionClosed(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    for (const stream of ['upstream', 'downstream'] as const) {
      const bytes = connection.bytes(stream);
      this.closedBytes[stream].received += bytes.received;
      this.closedBytes[stream].sent += bytes.sent;
    }
    this.observer.connectionClosed(this, connection);
  }

  findToxic(name: string): ToxicEntry | undefined {
    return this.toxics.upstream.find((t) => t.name === name) ?? this.toxics.downstream.find((t) => t.name === name);
  }

  /**
   * Appends a toxic to its direction's chain and to every live link of that direction. A
   * request-level toxic is read by the message layer per request, so it needs no link.
   */
  addToxic(entry: ToxicEntry): void {
    this.toxics[entry.stream].push(entry);
    if (entry.level === 'request') {
      this.requestToxics = [...this.requestToxics, entry];
      return;
    }
    for (const connection of this.connections) connection.link(entry.stream)?.addToxic(entry);
  }

  updateToxic(entry: ToxicEntry, toxicity: number, attributes: AnyToxicAttributes): void {
    entry.change(toxicity, attributes);
    if (entry.level === 'request') return;
    for (const connection of this.connections) connection.link(entry.stream)?.updateToxic(entry);
  }

  removeToxic(entry: ToxicEntry): void {
    const chain = this.toxics[entry.stream];
    const index = chain.indexOf(entry);
    if (index < 0) return;
    chain.splice(index, 1);
    if (entry.level === 'request') {
      this.requestToxics = this.requestToxics.filter((t) => t !== entry);
      return;
    }
    for (const connection of this.connections) connection.link(entry.stream)?.removeToxic(entry);
  }

  removeAllToxics(): void {
    for (const stream of ['upstream', 'downstream'] as Stream[]) {
      const chain = this.toxics[stream];
      while (chain.length > 0) this.removeToxic(chain[chain.length - 1] as ToxicEntry);
    }
  }

  toJSON(explain = false): ProxyJson {
    const json: ProxyJson = {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: [...this.toxics.upstream, ...this.toxics.downstream].map((t) => t.toJSON(explain)),
    };
    if (this.protocol !== 'tcp') json.protocol = this.protocol;
    if (this.envoyFaultHeaders) {
      json.envoy_fault_headers = true;
      json.max_active_faults = this.maxActiveFaults;
    }
    if (this.tls !== 'refuse' && takesTls(this.protocol)) json.tls = this.tls;
    return json;
  }
}
