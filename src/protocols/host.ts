import type { FaultRecord } from '../api/faults.js';
import type { ToxicEntry } from '../proxy/toxic-entry.js';
import type { CodecOptions } from './pipeline/codec.js';

/** A fault that fired, before the connection adds where and when. */
export type FiredFault = Omit<FaultRecord, 'at' | 'proxy' | 'connection'>;

/**
 * What a connection's message layer needs from the connection and its proxy, handed down so
 * the framers never reach up into them.
 */
export interface MessageHost {
  /** The proxy's request-level toxics, in the order they were added; read per request, so changes apply at once. */
  requestToxics(): readonly ToxicEntry[];
  /** The toxic's toxicity roll for this connection. */
  applies(entry: ToxicEntry): boolean;
  faultFired(fault: FiredFault): void;
  /** The connection is passed through from now on, and why. */
  framingStopped(reason: string): void;
  /** Envoy's fault headers, when the proxy obeys them. */
  readonly headerFaults: HeaderFaultGate | null;
  /** The proxy's settings the pipelined protocols' codecs read (PostgreSQL's and MySQL's `tls`). */
  readonly codecOptions: CodecOptions;
}

/** The proxy's cap on requests faulted by headers at once, and its reproducible dice. */
export interface HeaderFaultGate {
  /** Counts a faulted request in; false when the cap is reached (the fault is skipped). */
  tryStart(): boolean;
  finish(): void;
  random(): number;
}
