import { UNFRAMEABLE, type RequestScanner } from '../pipeline/codec.js';
import { firstKeyword } from '../sql-keyword.js';
import {
  CLIENT_COMPRESS,
  CLIENT_DEPRECATE_EOF,
  CLIENT_OPTIONAL_RESULTSET_METADATA,
  CLIENT_QUERY_ATTRIBUTES,
  CLIENT_SSL,
  MARIADB_CLIENT_CACHE_METADATA,
  Phase,
  ReplyKind,
  type MySession,
} from './session.js';
import { unknownStatement } from './errors.js';
import { MyRequestView } from './view.js';

/** A packet this long continues in the next one: the payload is reassembled across them. */
export const MAX_PACKET = 0xffffff;

/** Commands other than the statement ones, by byte: their name is their `method`. */
const NAMED: Record<number, [string, ReplyKind]> = {
  0x02: ['INIT_DB', ReplyKind.Result],
  0x04: ['FIELD_LIST', ReplyKind.Rows],
  0x05: ['CREATE_DB', ReplyKind.Result],
  0x06: ['DROP_DB', ReplyKind.Result],
  0x07: ['REFRESH', ReplyKind.Result],
  0x08: ['SHUTDOWN', ReplyKind.Result],
  0x09: ['STATISTICS', ReplyKind.Single],
  0x0a: ['PROCESS_INFO', ReplyKind.Result],
  0x0c: ['PROCESS_KILL', ReplyKind.Result],
  0x0d: ['DEBUG', ReplyKind.Result],
  0x0e: ['PING', ReplyKind.Result],
  0x11: ['CHANGE_USER', ReplyKind.Auth],
  0x1a: ['STMT_RESET', ReplyKind.Result],
  0x1b: ['SET_OPTION', ReplyKind.Single],
  0x1c: ['STMT_FETCH', ReplyKind.Rows],
  0x1f: ['RESET_CONNECTION', ReplyKind.Result],
  0xfa: ['STMT_BULK_EXECUTE', ReplyKind.Result],
};

/**
 * A statement is matched on its first 32 KiB: the exchange holds a request only until it is
 * identified, and never more than 64 KiB of it.
 */
const TEXT_LIMIT = 32 * 1024;

const QUIT = 0x01;
const QUERY = 0x03;
const PREPARE = 0x16;
const EXECUTE = 0x17;
const SEND_LONG_DATA = 0x18;
const CLOSE = 0x19;

/**
 * Cuts the client's side of a MySQL connection into commands (one logical packet each, packets
 * of 0xFFFFFF bytes joined); the handshake response and authentication data are passed without
 * a request of their own.
 */
export class MyRequestScanner implements RequestScanner {
  identified = false;
  complete = false;
  expectsReply = true;
  stopAfter: string | null = null;
  reason: string | null = null;

  private current: MyRequestView | null = null;
  private readonly head = Buffer.alloc(4);
  private headHave = 0;
  private left = 0;
  /** The packet being read is a continuation of a logical packet. */
  private continued = false;
  private lastLength = 0;
  private seq = 0;
  private command = -1;
  private capture: Buffer | null = null;
  private captured = 0;
  private auth = false;

  constructor(private readonly session: MySession) {}

  /** Why framing stopped, for the framing-stopped event. */
  private unframeable(): number {
    this.reason = this.command < 0 || this.auth ? 'not a MySQL client packet' : `a MySQL command this proxy does not frame (0x${this.command.toString(16).padStart(2, '0')})`;
    return UNFRAMEABLE;
  }

  reset(): void {
    this.identified = false;
    this.complete = false;
    this.expectsReply = true;
    this.current = null;
    this.command = -1;
    this.capture = null;
  }

  view(n: number): MyRequestView | null {
    if (this.current !== null) this.current.number = n;
    return this.current;
  }

  scan(chunk: Buffer, off: number, end: number): number {
    while (off < end) {
      if (this.headHave < 4) {
        const take = Math.min(4 - this.headHave, end - off);
        chunk.copy(this.head, this.headHave, off, off + take);
        this.headHave += take;
        off += take;
        if (this.headHave < 4) return off;
        this.lastLength = this.head.readUIntLE(0, 3);
        this.seq = this.head[3] as number;
        this.left = this.lastLength;
        if (!this.continued) {
          // MySQL's server speaks first; a client that does not wait for it speaks something else.
          if (this.session.phase === Phase.Greeting) {
            this.reason = 'the client spoke before the server greeted it: not MySQL';
            return UNFRAMEABLE;
          }
          this.auth = this.session.phase !== Phase.Command;
          if (this.auth) {
            // Authentication data is the server's business: forwarded without a request.
            this.identified = true;
            this.expectsReply = false;
            // The handshake response (or SSLRequest): capabilities, and MariaDB's extended ones at 28.
            this.capture = this.session.clientCaps < 0 ? Buffer.alloc(Math.min(32, this.left)) : null;
            this.captured = 0;
          }
        }
        if (this.left === 0) {
          if (!this.packetEnd()) return this.unframeable();
          if (this.complete || this.identified) return off;
        }
        if (this.auth && this.identified && !this.continued) return off;
        continue;
      }
      const take = Math.min(this.left, end - off);
      if (!this.auth && this.command < 0 && !this.continued) {
        this.command = chunk[off] as number;
        if (!this.startCommand()) return this.unframeable();
      }
      if (this.capture !== null && this.captured < this.capture.length) {
        this.captured += chunk.copy(this.capture, this.captured, off, off + Math.min(take, this.capture.length - this.captured));
        if (this.captured === TEXT_LIMIT && (this.left > take || this.lastLength === MAX_PACKET) && !this.identified) {
          // A statement longer than TEXT_LIMIT: decided on its start, the rest streams.
          off += take;
          this.left -= take;
          this.identifyStatement();
          if (this.left === 0 && !this.packetEnd()) return this.unframeable();
          return off;
        }
      }
      off += take;
      this.left -= take;
      if (this.left === 0) {
        if (!this.packetEnd()) return this.unframeable();
        if (this.complete || this.identified) return off;
      }
    }
    return off;
  }

  /** The command byte is known: how much of the packet to keep. */
  private startCommand(): boolean {
    const c = this.command;
    if (c === QUERY || c === PREPARE) this.want(Math.min(this.lastLength, TEXT_LIMIT));
    else if (c === EXECUTE || c === CLOSE || c === SEND_LONG_DATA) this.want(Math.min(5, this.lastLength));
    else if (c !== QUIT && NAMED[c] === undefined) return false;
    return true;
  }

  private want(bytes: number): void {
    this.capture = Buffer.allocUnsafe(bytes);
    this.captured = 0;
  }

  /** A physical packet ended; false when its content cannot be what it claims. */
  private packetEnd(): boolean {
    this.headHave = 0;
    if (this.lastLength === MAX_PACKET) {
      // The logical packet goes on (its statement text was decided on by now).
      this.continued = true;
      return true;
    }
    this.continued = false;
    if (this.auth) return this.authPacketEnd();
    return this.commandEnd();
  }

  private authPacketEnd(): boolean {
    this.complete = true;
    if (this.capture === null) return true;
    if (this.captured < 4) return false;
    const caps = this.capture.readUInt32LE(0);
    const s = this.session;
    s.clientCaps = caps;
    if ((caps & 1) === 0 && this.captured >= 32) s.clientExtCaps = this.capture.readUInt32LE(28);
    s.deprecateEof = s.both(CLIENT_DEPRECATE_EOF);
    s.queryAttributes = s.both(CLIENT_QUERY_ATTRIBUTES);
    if ((caps & CLIENT_SSL) !== 0) this.stopAfter = 'the client switched to TLS';
    else if (s.both(CLIENT_OPTIONAL_RESULTSET_METADATA)) this.stopAfter = 'optional result-set metadata is not framed';
    else if (s.both(CLIENT_COMPRESS)) s.compress = true;
    s.cacheMetadata = (s.serverExtCaps & s.clientExtCaps & MARIADB_CLIENT_CACHE_METADATA) !== 0;
    return true;
  }

  private commandEnd(): boolean {
    const c = this.command;
    const cap = this.capture;
    this.complete = true;
    switch (c) {
      case -1:
        return false;
      case QUIT:
        this.expectsReply = false;
        this.identify(new MyRequestView('QUIT', '', null, this.seq));
        return true;
      case QUERY:
      case PREPARE:
        if (this.identified) {
          // Identified early: the view's sequence id is the last packet's.
          (this.current as MyRequestView).seq = this.seq;
        } else this.identifyStatement();
        return true;
      case EXECUTE: {
        if (cap === null || this.captured < 5) return false;
        const id = cap.readUInt32LE(1);
        if (id === 0xffffffff && this.session.lastPrepareAnswered) {
          // Run upstream, it would execute an older statement: answer as the server would without one.
          this.identify(new MyRequestView('STMT_EXECUTE', '', ReplyKind.Result, this.seq, false, unknownStatement(this.seq)));
          return true;
        }
        const text = (id === 0xffffffff ? this.session.lastPrepared : this.session.statements.get(id)) ?? '';
        this.identify(new MyRequestView(text === '' ? 'STMT_EXECUTE' : firstKeyword(text, true), text, ReplyKind.Result, this.seq));
        return true;
      }
      case CLOSE:
      case SEND_LONG_DATA:
        // No reply: not a request the exchange could answer in its place.
        if (cap === null || this.captured < 5) return false;
        if (c === CLOSE) this.session.statements.delete(cap.readUInt32LE(1));
        this.expectsReply = false;
        this.identified = true;
        return true;
    }
    const [name, kind] = NAMED[c] as [string, ReplyKind];
    if (c === 0x11) this.session.phase = Phase.Auth;
    this.identify(new MyRequestView(name, '', kind, this.seq));
    return true;
  }

  private identifyStatement(): void {
    const cap = this.capture;
    let text = '';
    if (cap !== null) {
      // With query attributes, COM_QUERY's text follows a parameter block: none (00 01) is read past; others leave the text unknown.
      const attributes = this.command === QUERY && this.session.queryAttributes;
      if (!attributes) text = cap.toString('utf8', 1, this.captured);
      else if (cap[1] === 0 && cap[2] === 1) text = cap.toString('utf8', 3, this.captured);
    }
    this.identify(new MyRequestView(firstKeyword(text, true), text, this.command === QUERY ? ReplyKind.Result : ReplyKind.Prepare, this.seq));
  }

  private identify(view: MyRequestView): void {
    this.current = view;
    this.identified = true;
    if (view.kind === ReplyKind.Prepare) this.session.lastPrepareAnswered = false;
    if (view.kind !== null && view.localAnswer === undefined) this.session.expected.push(view);
  }
}
