/**
 * A request-level fault that fired, as `GET /proxies/{proxy}/faults` lists it and the `fault`
 * event carries it: enough for a test to assert "the 2nd request got the 503".
 */
export interface FaultRecord {
  /** ISO 8601 time the fault fired. */
  at: string;
  proxy: string;
  /** The connection's id, as `GET /proxies/{proxy}/connections` lists it. */
  connection: number;
  /** The request's number on its connection, from 1. */
  request: number;
  method: string;
  path: string;
  /** The toxic's name; `envoy-fault-headers` for a fault a request asked for in its headers. */
  toxic: string;
  type: string;
  /** The toxic's count of matching requests when it fired (1 = the first that matched). */
  match: number;
  /** What was done, e.g. `answered 503`, `delayed the request 200 ms`, `reset the connection`. */
  action: string;
}

/** Faults a proxy keeps for `GET /proxies/{proxy}/faults`; older ones are dropped first. */
export const FAULT_LOG_SIZE = 1000;
