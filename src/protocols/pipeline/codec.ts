import type { AnyToxicAttributes } from '../../api/toxic-types.js';
import type { RequestView } from '../message.js';

/**
 * The contract between the pipelined exchange (one framer per direction, a FIFO between them)
 * and a protocol whose replies come back in request order: Redis, memcached, PostgreSQL, MySQL.
 * A codec knows its protocol's bytes; the exchange owns ordering, holding, answering in place,
 * delays, hangs, aborts, the fall-back to bytes, and everything FramerStage already does.
 *
 * Both scanners are incremental: bytes arrive in any segmentation, and a scanner keeps only
 * the little state it needs (a length, a count), copying only what a request's view shows
 * (a command name, a key, a statement). The same input cut anywhere gives the same units.
 */

/** `scan()`: the bytes cannot be framed as this protocol; the exchange passes the rest through. */
export const UNFRAMEABLE = -1;

/** A request as the codec shows it to matchers, plus what it needs to answer it in kind. */
export interface CodecRequest extends RequestView {
  /**
   * An answer the protocol itself requires and no toxic chose (PostgreSQL's `N` to an
   * SSLRequest under `tls: refuse`): sent in the request's place, never forwarded, not a fault.
   */
  readonly localAnswer?: Buffer;
  /**
   * Matched only by a toxic that names it (`keyword: STARTUP`, `keyword: CONNECT`): the
   * session's opening is not "every request".
   */
  readonly opening?: boolean;
  /**
   * The request was decided. A view may read its text from the read buffer only until then
   * (Redis's key becomes a string only if a toxic reads it): after this, what no toxic read is gone.
   */
  decided?(): void;
}

export interface RequestScanner {
  /**
   * Reads the current request from `chunk[off, end)` and returns the offset just past what it
   * consumed, or UNFRAMEABLE. It returns as soon as the request becomes `identified` (so the
   * exchange decides before any more of it is forwarded) or `complete`, or at `end`.
   */
  scan(chunk: Buffer, off: number, end: number): number;
  /** Enough is known to match on: `view()` may be called. Until then the exchange holds the bytes. */
  readonly identified: boolean;
  /** The request ended at the offset last returned. */
  readonly complete: boolean;
  /**
   * The request, once identified, numbered `n` on its connection; null when it is not a request
   * of its own (a password message inside the startup, COPY data, memcached's `noreply`
   * commands' data), which is forwarded without a decision and without a FIFO entry.
   */
  view(n: number): CodecRequest | null;
  /** Whether the request, once complete, is answered by the server (false: `noreply`, Terminate). */
  readonly expectsReply: boolean;
  /** Starts on the next request. */
  reset(): void;
  /** Set when framing must stop after the current unit (a reason for the framing-stopped event). */
  readonly stopAfter: string | null;
  /** Why the last `scan()` returned UNFRAMEABLE, for the framing-stopped event (default: "not a <protocol> request"). */
  readonly reason?: string | null;
}

export interface ReplyScanner {
  /** As RequestScanner.scan; replies are never held, only delivered in their request's turn. */
  scan(chunk: Buffer, off: number, end: number): number;
  /** The reply (or unsolicited message) ended at the offset last returned. */
  readonly complete: boolean;
  /**
   * The unit just completed answers no request: a RESP3 push, PostgreSQL's NotificationResponse
   * or ParameterStatus while idle, MySQL's greeting when no opening request is queued.
   */
  readonly unsolicited: boolean;
  reset(): void;
  /**
   * Set when the connection stops being framable after this unit: TLS accepted (`S`), MySQL
   * compression, a Redis SUBSCRIBE in RESP2. The rest passes through; the reason is reported.
   */
  readonly stopAfter: string | null;
  /** Why the last `scan()` returned UNFRAMEABLE, for the framing-stopped event (default: "not a <protocol> reply"). */
  readonly reason?: string | null;
}

/** An injected answer's bytes, and whether the connection closes after it (PostgreSQL FATAL). */
export interface RenderedAnswer {
  readonly bytes: Buffer;
  readonly close: boolean;
}

/** One connection's codec: both scanners share whatever session state the protocol needs. */
export interface Codec {
  readonly requests: RequestScanner;
  readonly replies: ReplyScanner;
  /**
   * A request that exists before the client sends anything, paired with the server's first
   * reply (MySQL's greeting), so a toxic can refuse the session there; null for most protocols.
   */
  opening(): CodecRequest | null;
  /** The answer of a toxic (`error`, `rate_limit`, `mix`) in the protocol's own error format. */
  render(reply: AnyToxicAttributes, request: CodecRequest, toxic: string): RenderedAnswer;
  /** How the fault log names that answer: `answered -LOADING`, `answered SQLSTATE 40001`. */
  describe(reply: AnyToxicAttributes): string;
}

/** A proxy's settings a codec may read, beside its protocol. */
export interface CodecOptions {
  /** PostgreSQL and MySQL: refuse TLS so the session stays framable, or pass it through unframed. */
  readonly tls: 'refuse' | 'pass';
}
