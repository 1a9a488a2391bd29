import { UNFRAMEABLE, type RequestScanner } from '../pipeline/codec.js';
import { firstKeyword } from '../sql-keyword.js';
import type { PgSession } from './session.js';
import { PgRequestView } from './view.js';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3_0 = 196608;
const PROTOCOL_3_2 = 196610;
/** The server refuses a longer startup packet (MAX_STARTUP_PACKET_LENGTH). */
const MAX_STARTUP = 10000;
/** Bind, Describe, Execute and Close name a statement or portal first; this much of them is enough. */
const NAMES_HEAD = 512;
/**
 * A statement is matched on its first 32 KiB: the exchange holds a request only until it is
 * identified, and never more than 64 KiB of it (MAX_HEAD_BYTES).
 */
export const TEXT_LIMIT = 32 * 1024;

const N = Buffer.from('N');
const NOTHING = Buffer.alloc(0);

const enum Unit {
  None,
  /** One message: Query, FunctionCall, Terminate, a startup-phase packet. */
  Single,
  /** The client's part of something already decided: CopyData/Done/Fail, a password message. */
  Passive,
  /** Extended protocol: Parse/Bind/Describe/Execute/Close/Flush… up to and including Sync. */
  Batch,
}

/**
 * Cuts the client's side of a PostgreSQL connection into requests: the startup packets, then a
 * Query, a FunctionCall, or an extended-protocol batch running to Sync. Only statement text and
 * the names a batch refers to are copied; everything else is counted past.
 */
export class PgRequestScanner implements RequestScanner {
  identified = false;
  complete = false;
  expectsReply = true;
  stopAfter: string | null = null;
  reason: string | null = null;

  private startup = true;
  private unit = Unit.None;
  private current: PgRequestView | null = null;
  private readonly head = Buffer.alloc(8);
  private headHave = 0;
  private type = 0;
  private bodyLeft = 0;
  private capture: Buffer | null = null;
  private captured = 0;

  constructor(private readonly session: PgSession) {}

  /** Why framing stopped, for the framing-stopped event. */
  private unframeable(): number {
    this.reason = this.startup
      ? 'not a PostgreSQL startup packet (TLS without SSLRequest, or another protocol)'
      : `not a PostgreSQL frontend message (type 0x${this.type.toString(16).padStart(2, '0')})`;
    return UNFRAMEABLE;
  }

  reset(): void {
    this.identified = false;
    this.complete = false;
    this.expectsReply = true;
    this.unit = Unit.None;
    this.current = null;
  }

  view(n: number): PgRequestView | null {
    if (this.current !== null) this.current.number = n;
    return this.current;
  }

  scan(chunk: Buffer, off: number, end: number): number {
    const headSize = this.startup ? 8 : 5;
    while (off < end) {
      if (this.headHave < headSize) {
        const take = Math.min(headSize - this.headHave, end - off);
        chunk.copy(this.head, this.headHave, off, off + take);
        this.headHave += take;
        off += take;
        if (this.headHave < headSize) return off;
        const was = this.identified;
        if (!(this.startup ? this.startupHead() : this.messageHead())) return this.unframeable();
        if (this.bodyLeft === 0 && !this.messageEnd()) return this.unframeable();
        if (this.complete || this.identified !== was) return off;
        continue;
      }
      const take = Math.min(this.bodyLeft, end - off);
      if (this.capture !== null && this.captured < this.capture.length) {
        this.captured += chunk.copy(this.capture, this.captured, off, off + Math.min(take, this.capture.length - this.captured));
        if (this.captured === this.capture.length && this.bodyLeft > take && !this.identified && (this.type === 0x51 || this.type === 0x50)) {
          // A statement longer than TEXT_LIMIT: decided on its start, the rest streams.
          off += take;
          this.bodyLeft -= take;
          this.identifyStatement();
          return off;
        }
      }
      off += take;
      this.bodyLeft -= take;
      if (this.bodyLeft === 0) {
        const was = this.identified;
        if (!this.messageEnd()) return this.unframeable();
        if (this.complete || this.identified !== was) return off;
      }
    }
    return off;
  }

  /** Length and code of a packet before StartupMessage: SSLRequest, GSSENCRequest, CancelRequest or the startup itself. */
  private startupHead(): boolean {
    const length = this.head.readInt32BE(0);
    const code = this.head.readInt32BE(4);
    if (length < 8 || length > MAX_STARTUP) return false;
    this.bodyLeft = length - 8;
    this.unit = Unit.Single;
    this.capture = null;
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      if (length !== 8) return false;
      const ssl = code === SSL_REQUEST;
      const refuse = this.session.options.tls === 'refuse';
      // Refused here, the client goes on in clear and stays framable; passed, the server decides.
      if (!refuse) this.session.encryptionPending = ssl ? 0x53 : 0x47;
      this.identify(new PgRequestView(ssl ? 'SSLREQUEST' : 'GSSENCREQUEST', '', true, true, refuse ? N : undefined));
      return true;
    }
    if (code === CANCEL_REQUEST) {
      this.expectsReply = false;
      this.identify(new PgRequestView('CANCEL', '', false, true));
      return true;
    }
    if (code !== PROTOCOL_3_0 && code !== PROTOCOL_3_2) return false;
    this.capture = Buffer.allocUnsafe(this.bodyLeft);
    this.captured = 0;
    return true;
  }

  private messageHead(): boolean {
    this.type = this.head[0] as number;
    const length = this.head.readInt32BE(1);
    if (length < 4) return false;
    this.bodyLeft = length - 4;
    this.capture = null;
    const t = this.type;
    if (this.unit === Unit.None) {
      // Whatever the client sends instead of the rest of a batch answered at its Flush ends the dropping.
      if (this.session.swallowToSync && !isBatchMessage(t)) this.session.swallowToSync = false;
      switch (t) {
        case 0x51 /* Q */:
          this.unit = Unit.Single;
          this.want(Math.min(this.bodyLeft, TEXT_LIMIT));
          return true;
        case 0x46 /* F */:
          this.unit = Unit.Single;
          this.identify(new PgRequestView('FUNCTION', '', true));
          return true;
        case 0x58 /* X */:
          this.unit = Unit.Single;
          this.expectsReply = false;
          this.identify(new PgRequestView('TERMINATE', '', false));
          return true;
        case 0x64 /* d */:
        case 0x63 /* c */:
        case 0x66 /* f */:
        case 0x70 /* p */:
          this.unit = Unit.Passive;
          this.expectsReply = false;
          this.identified = true;
          return true;
        default:
          if (!isBatchMessage(t)) return false;
          this.unit = Unit.Batch;
          if (this.session.swallowToSync) {
            // The rest of a batch answered at its Flush: dropped up to Sync, nothing answered.
            this.identify(new PgRequestView('SYNC', '', true, false, NOTHING));
          }
      }
    } else if (this.unit === Unit.Batch) {
      // A batch ends at Sync; COPY data may flow inside one (Execute of COPY FROM STDIN before Sync).
      if (!isBatchMessage(t) && t !== 0x64 && t !== 0x63 && t !== 0x66) return false;
    } else {
      return false;
    }
    if (t === 0x50 /* P */) this.want(Math.min(this.bodyLeft, TEXT_LIMIT));
    else if (t === 0x42 || t === 0x44 || t === 0x45 || t === 0x43) this.want(Math.min(this.bodyLeft, NAMES_HEAD));
    return true;
  }

  private want(bytes: number): void {
    this.capture = Buffer.allocUnsafe(bytes);
    this.captured = 0;
  }

  /** A message ended; false when its content cannot be what its type says. */
  private messageEnd(): boolean {
    this.headHave = 0;
    if (this.startup) {
      if (this.capture === null) {
        this.complete = true;
        return true;
      }
      const params = startupParams(this.capture);
      if (params === null) return false;
      this.startup = false;
      const replication = params.get('replication');
      // Physical and logical replication speak COPY BOTH after the simple query; not framed.
      if (replication !== undefined && !['false', 'off', 'no', '0'].includes(replication.toLowerCase())) {
        this.stopAfter = 'a replication connection is not framed';
      }
      this.identify(new PgRequestView('STARTUP', params.get('database') ?? params.get('user') ?? '', true, true, undefined, params));
      this.complete = true;
      return true;
    }
    const cap = this.capture;
    if (this.unit !== Unit.Batch) {
      if (this.type === 0x51 && !this.identified) this.identifyStatement();
      this.complete = true;
      return true;
    }
    let text: string | undefined;
    let fallback = '';
    switch (this.type) {
      case 0x50 /* Parse */: {
        if (cap === null) return false;
        const [name, at] = cstring(cap, 0);
        const [query] = cstring(cap, at);
        this.session.statements.set(name, query);
        text = query;
        break;
      }
      case 0x42 /* Bind */: {
        if (cap === null) return false;
        const [portal, at] = cstring(cap, 0);
        const [statement] = cstring(cap, at);
        text = this.session.statements.get(statement);
        this.session.portals.set(portal, text ?? '');
        break;
      }
      case 0x44 /* Describe */:
      case 0x43 /* Close */: {
        if (cap === null || cap.length < 1) return false;
        const [name] = cstring(cap, 1);
        const statement = cap[0] === 0x53;
        text = (statement ? this.session.statements : this.session.portals).get(name);
        if (this.type === 0x43) {
          fallback = 'CLOSE';
          (statement ? this.session.statements : this.session.portals).delete(name);
        }
        break;
      }
      case 0x45 /* Execute */: {
        if (cap === null) return false;
        text = this.session.portals.get(cstring(cap, 0)[0]);
        break;
      }
      case 0x48 /* Flush */:
        fallback = 'FLUSH';
        if (this.current?.answered === true && this.current.localAnswer === undefined) {
          // The client may wait for the answer before it sends Sync: answer now (the error and
          // ReadyForQuery), and drop the rest of the batch when it comes.
          this.complete = true;
          this.session.swallowToSync = true;
        }
        break;
      case 0x53 /* Sync */:
        fallback = 'SYNC';
        this.complete = true;
        if (this.current?.localAnswer === NOTHING) this.session.swallowToSync = false;
        break;
    }
    if (this.current === null && !this.identified) {
      this.identify(new PgRequestView(text === undefined ? fallback : firstKeyword(text, false), text ?? '', true));
    }
    return true;
  }

  /** A Query, or the Parse opening a batch: identified by its statement text (the first TEXT_LIMIT bytes of it). */
  private identifyStatement(): void {
    const cap = this.capture as Buffer;
    if (this.type === 0x51) {
      const stop = this.captured > 0 && cap[this.captured - 1] === 0 ? this.captured - 1 : this.captured;
      const text = cap.toString('utf8', 0, stop);
      // A simple Query drops the unnamed statement and portal.
      this.session.statements.delete('');
      this.session.portals.delete('');
      this.identify(new PgRequestView(firstKeyword(text, false), text, true));
      return;
    }
    const [name, at] = cstring(cap.subarray(0, this.captured), 0);
    const [query] = cstring(cap.subarray(0, this.captured), at);
    this.session.statements.set(name, query);
    this.identify(new PgRequestView(firstKeyword(query, false), query, true));
  }

  private identify(view: PgRequestView): void {
    this.current = view;
    this.identified = true;
    if (view.expectsReply && view.localAnswer === undefined) {
      view.counted = true;
      this.session.pending++;
    }
  }
}

/** Parse, Bind, Describe, Execute, Close, Flush, Sync. */
function isBatchMessage(t: number): boolean {
  return t === 0x50 || t === 0x42 || t === 0x44 || t === 0x45 || t === 0x43 || t === 0x48 || t === 0x53;
}

/** A NUL-terminated string at `at` (to the end when the terminator was not captured), and the offset after it. */
function cstring(buf: Buffer, at: number): [string, number] {
  const nul = buf.indexOf(0, at);
  const stop = nul < 0 ? buf.length : nul;
  return [buf.toString('utf8', at, stop), stop + 1];
}

/** `name\0value\0…\0`; null when it is not that shape. */
function startupParams(body: Buffer): Map<string, string> | null {
  const params = new Map<string, string>();
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const [name, next] = cstring(body, at);
    if (next > body.length) return null;
    const [value, after] = cstring(body, next);
    if (after > body.length) return null;
    params.set(name.toLowerCase(), value);
    at = after;
  }
  return at === body.length - 1 ? params : null;
}
