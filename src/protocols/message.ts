import type { AnyToxicAttributes } from '../api/toxic-types.js';

/**
 * A request as the message layer shows it to request-level toxics and matchers, whatever the
 * protocol: HTTP fills every field; other protocols map theirs onto them (Redis: the command as
 * `method`, the key as `path`).
 */
export interface RequestView {
  /** The request's number on its connection, from 1. */
  readonly number: number;
  readonly method: string;
  /** The path without the query (HTTP), or the key. */
  readonly path: string;
  /** The Host header without its port, lower case; undefined when absent. */
  readonly host: string | undefined;
  /** The first value of a header, by name in any case. */
  header(name: string): string | undefined;
  /** The first value of a query parameter. */
  query(name: string): string | undefined;
  /**
   * Whether `path` starts with `prefix` (its UTF-8 bytes `bytes`), told without decoding the
   * path when the view still has it as bytes (a Redis key); views without it are asked `path`.
   */
  pathStartsWith?(bytes: Buffer, prefix: string): boolean;
}

/**
 * What a request-level toxic decides for one request. `answer`, `hang` and `abort` (before
 * forwarding) end the decision; `delay`, `truncate`, `slow_headers` and `abort` on the response
 * combine with later toxics' verdicts.
 */
export type Verdict =
  /** Do not forward; answer in the protocol's own format, built from these fields. */
  | { kind: 'answer'; reply: AnyToxicAttributes }
  | { kind: 'hang' }
  | { kind: 'abort'; reset: boolean; where: 'request' | 'response' }
  | { kind: 'delay'; ms: number; where: 'request' | 'response' }
  | { kind: 'truncate'; bytes: number; reset: boolean }
  | { kind: 'slow_headers'; ms: number };

/** What a request-level toxic may use besides the request. */
export interface ActContext {
  now(): number;
  /** A uniform number in [0, 1), reproducible under `--seed` for a given request order. */
  random(): number;
  /** State shared by every connection of the toxic's proxy; fresh after each update. */
  readonly shared: Record<string, unknown>;
}

/**
 * A request-level toxic's implementation. Matching, counts and probability are decided before
 * `act` is called, the same way for every type; `act` says what to do with the request, or null
 * to let it pass (a rate limit under its limit).
 */
export interface RequestToxicImpl<A = never> {
  act(attributes: A, request: RequestView, ctx: ActContext): Verdict | null;
}

/** The fault log's words for a verdict: `answered 503`, `delayed the request 200 ms`. */
export function describeVerdict(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'answer':
      return `answered ${String(verdict.reply.status ?? 'an error')}`;
    case 'hang':
      return 'swallowed the request (no answer)';
    case 'abort':
      return `${verdict.reset ? 'reset' : 'closed'} the connection ${verdict.where === 'request' ? 'before forwarding' : 'before the response'}`;
    case 'delay':
      return `delayed the ${verdict.where} ${verdict.ms} ms`;
    case 'truncate':
      return `cut the response after ${verdict.bytes} body bytes`;
    case 'slow_headers':
      return `trickled the response headers over ${verdict.ms} ms`;
  }
}
