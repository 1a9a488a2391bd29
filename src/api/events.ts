import type { FaultRecord } from './faults.js';
import type { ProxyJson } from './proxy.js';
import type { RunJson } from './runs.js';
import type { ToxicJson } from './toxic.js';

/** Bytes read from the source and written to the destination, per direction. */
export interface ConnectionBytes {
  upstream: { received: number; sent: number };
  downstream: { received: number; sent: number };
}

/** A live connection as `GET /proxies/{proxy}/connections` lists it. */
export interface ConnectionJson {
  id: number;
  client: string;
  opened_at: string;
  bytes: ConnectionBytes;
  /** Toxics acting on this connection, per direction, as its toxicity rolls decided. */
  toxics: { upstream: string[]; downstream: string[] };
}

interface Base {
  /** ISO 8601 time of the event. */
  at: string;
  proxy: string;
}

/** What `GET /events` streams, one Server-Sent Event per item; `event:` is the `type`. */
export type FaultlineEvent =
  | (Base & { type: 'proxy-created' | 'proxy-updated'; state: ProxyJson })
  | (Base & { type: 'proxy-deleted' })
  | (Base & { type: 'toxic-added' | 'toxic-updated'; toxic: ToxicJson })
  | (Base & { type: 'toxic-removed'; toxic: string })
  | (Base & { type: 'connection-opened'; connection: number; client: string })
  | (Base & { type: 'connection-closed'; connection: number; client: string; bytes: ConnectionBytes; duration_ms: number })
  | (Base & { type: 'toxic-applied' | 'toxic-skipped'; connection: number; toxic: string; stream: string; toxicity: number })
  | (Base & { type: 'upstream-failed'; connection: number; upstream: string; error: string })
  | (Base & { type: 'fault'; fault: FaultRecord })
  | (Base & { type: 'framing-stopped'; connection: number; reason: string })
  /** Only with `?traffic=true`: once a second, each proxy's byte totals (closed connections included) and live connections. */
  | (Base & { type: 'traffic'; connections: number; bytes: ConnectionBytes })
  /** An experiment or matrix run was reported or changed; `proxy` is empty (a run is not a proxy's). */
  | (Base & { type: 'run'; run: RunJson });

export type FaultlineEventType = FaultlineEvent['type'];

/** Distributes an event type over a union, so `Omit` keeps each member's own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type FaultlineEventInput = DistributiveOmit<FaultlineEvent, 'at'>;
