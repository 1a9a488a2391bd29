import type { FaultRecord } from '../api/faults.js';
import type { Connection } from './connection.js';
import type { Proxy } from './proxy.js';
import type { ToxicEntry } from './toxic-entry.js';

/**
 * What the data plane reports to whoever watches it (events, logs). Called once per
 * connection or per toxicity roll, never per chunk; byte counts are plain fields read on demand.
 */
export interface ProxyObserver {
  connectionOpened(proxy: Proxy, connection: Connection): void;
  connectionClosed(proxy: Proxy, connection: Connection): void;
  upstreamFailed(proxy: Proxy, connection: Connection, error: Error): void;
  /** A toxic's toxicity roll for a connection: `applied` tells whether the toxic acts on it. */
  toxicRolled(proxy: Proxy, connection: Connection, toxic: ToxicEntry, applied: boolean): void;
  /** A request-level fault fired (once per request it acts on). */
  faultFired(proxy: Proxy, fault: FaultRecord): void;
  /** A connection of a protocol proxy could not be framed and is passed through from now on. */
  framingStopped(proxy: Proxy, connection: Connection, reason: string): void;
}

const ignore = (): void => {};
export const nullObserver: ProxyObserver = {
  connectionOpened: ignore,
  connectionClosed: ignore,
  upstreamFailed: ignore,
  toxicRolled: ignore,
  faultFired: ignore,
  framingStopped: ignore,
};
