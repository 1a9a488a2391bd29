import type { ConnectionBytes, FaultlineEvent, FaultlineEventInput } from '../api/events.js';
import type { FaultRecord } from '../api/faults.js';
import type { Connection } from '../proxy/connection.js';
import type { Logger } from '../proxy/logger.js';
import type { ProxyObserver } from '../proxy/observer.js';
import type { Proxy } from '../proxy/proxy.js';
import type { ToxicEntry } from '../proxy/toxic-entry.js';

type Listener = (event: FaultlineEvent) => void;

export function connectionBytes(connection: Connection): ConnectionBytes {
  return { upstream: connection.bytes('upstream'), downstream: connection.bytes('downstream') };
}

/**
 * Everything that happens, for the event stream and the logs. With nobody listening and debug
 * logging off, a data-plane event costs a function call and a branch.
 */
export class EventBus implements ProxyObserver {
  private readonly listeners = new Set<Listener>();
  private readonly debug: boolean;

  constructor(private readonly logger: Logger) {
    this.debug = logger.isLevelEnabled?.('debug') ?? false;
  }

  /** Whether anyone would see a connection-level event; if not, nothing is built for it. */
  private get watched(): boolean {
    return this.debug || this.listeners.size > 0;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(input: FaultlineEventInput): void {
    if (this.listeners.size === 0) return;
    const event = { at: new Date().toISOString(), ...input } as FaultlineEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        // Events are emitted from inside the data plane; a subscriber's bug must not reach it.
        this.logger.error({ err, event: event.type }, 'Event listener failed');
      }
    }
  }

  connectionOpened(proxy: Proxy, connection: Connection): void {
    if (!this.watched) return;
    this.logger.debug({ proxy: proxy.name, connection: connection.id, client: connection.clientAddress }, 'Accepted client');
    this.emit({ type: 'connection-opened', proxy: proxy.name, connection: connection.id, client: connection.clientAddress });
  }

  connectionClosed(proxy: Proxy, connection: Connection): void {
    if (!this.watched) return;
    const bytes = connectionBytes(connection);
    this.logger.debug({ proxy: proxy.name, connection: connection.id, client: connection.clientAddress, bytes }, 'Connection closed');
    this.emit({
      type: 'connection-closed',
      proxy: proxy.name,
      connection: connection.id,
      client: connection.clientAddress,
      bytes,
      duration_ms: Date.now() - connection.openedAt,
    });
  }

  upstreamFailed(proxy: Proxy, connection: Connection, error: Error): void {
    this.emit({ type: 'upstream-failed', proxy: proxy.name, connection: connection.id, upstream: proxy.upstream, error: error.message });
  }

  toxicRolled(proxy: Proxy, connection: Connection, toxic: ToxicEntry, applied: boolean): void {
    if (this.listeners.size === 0) return;
    this.emit({
      type: applied ? 'toxic-applied' : 'toxic-skipped',
      proxy: proxy.name,
      connection: connection.id,
      toxic: toxic.name,
      stream: toxic.stream,
      toxicity: toxic.toxicity,
    });
  }

  faultFired(proxy: Proxy, fault: FaultRecord): void {
    if (this.debug) this.logger.debug({ ...fault }, 'Fault fired');
    this.emit({ type: 'fault', proxy: proxy.name, fault });
  }

  framingStopped(proxy: Proxy, connection: Connection, reason: string): void {
    this.logger.info({ proxy: proxy.name, connection: connection.id, reason }, 'Passing connection through unframed');
    this.emit({ type: 'framing-stopped', proxy: proxy.name, connection: connection.id, reason });
  }
}
