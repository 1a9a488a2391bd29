import { UNFRAMEABLE, type ReplyScanner } from '../pipeline/codec.js';
import { MAX_PACKET } from './requests.js';
import { CLIENT_SSL, Phase, ReplyKind, type MySession } from './session.js';
import type { MyRequestView } from './view.js';

const SERVER_MORE_RESULTS_EXISTS = 0x0008;
const SERVER_STATUS_CURSOR_EXISTS = 0x0040;
/** Enough of any packet to read an OK's status, a PREPARE_OK's counts, and the greeting's capabilities. */
const HEAD = 128;

const enum Step {
  /** The first packet of a result: OK, ERR, LOCAL INFILE or a column count. */
  First,
  Columns,
  ColumnsEof,
  Rows,
  /** Definitions after COM_STMT_PREPARE_OK, counted down. */
  Definitions,
  Auth,
  Single,
}

/**
 * Cuts the server's side into reply units: the greeting and the authentication up to its OK or
 * ERR (the opening's reply), then one unit per command, framed by what the command was.
 */
export class MyReplyScanner implements ReplyScanner {
  complete = false;
  unsolicited = false;
  stopAfter: string | null = null;
  reason: string | null = null;

  private readonly header = Buffer.alloc(4);
  private headerHave = 0;
  private left = 0;
  private length = 0;
  private continued = false;
  /** The first bytes of the logical packet being read. */
  private readonly head = Buffer.alloc(HEAD);
  private headHave = 0;
  /** The logical packet's total length, across 0xFFFFFF pieces. */
  private total = 0;
  private started = false;
  private step = Step.First;
  private count = 0;
  private request: MyRequestView | null = null;
  /** Where the greeting's lower capability bytes are, once the server version's end is seen. */
  private greetingCaps = -1;

  constructor(private readonly session: MySession) {}

  /** Why framing stopped, for the framing-stopped event. */
  private unframeable(): number {
    this.reason = this.session.phase === Phase.Greeting ? 'not a MySQL greeting' : 'a MySQL reply this proxy does not frame';
    return UNFRAMEABLE;
  }

  reset(): void {
    this.complete = false;
    this.unsolicited = false;
    this.started = false;
  }

  scan(chunk: Buffer, off: number, end: number): number {
    while (off < end) {
      if (this.headerHave < 4) {
        const take = Math.min(4 - this.headerHave, end - off);
        chunk.copy(this.header, this.headerHave, off, off + take);
        this.headerHave += take;
        off += take;
        if (this.headerHave < 4) return off;
        this.length = this.header.readUIntLE(0, 3);
        this.left = this.length;
        // A greeting is a few dozen bytes with sequence id 0: anything else is not MySQL.
        if (this.session.phase === Phase.Greeting && (this.length > 4096 || this.header[3] !== 0)) return this.unframeable();
        if (!this.continued) {
          this.headHave = 0;
          this.total = 0;
        }
        this.total += this.length;
        if (this.left === 0) {
          if (!this.packetEnd()) return this.unframeable();
          if (this.complete) return off;
        }
        continue;
      }
      const take = Math.min(this.left, end - off);
      if (this.session.phase === Phase.Greeting && this.headHave === 0 && chunk[off] !== 0x0a && chunk[off] !== 0xff) return this.unframeable();
      if (!this.continued) {
        if (this.headHave < HEAD) this.headHave += chunk.copy(this.head, this.headHave, off, off + Math.min(take, HEAD - this.headHave));
        if (this.session.phase === Phase.Greeting) this.refuseTls(chunk, off, this.length - this.left, take);
      }
      off += take;
      this.left -= take;
      if (this.left === 0) {
        if (!this.packetEnd()) return this.unframeable();
        if (this.complete) return off;
      }
    }
    return off;
  }

  /**
   * Under `tls: refuse`, clears CLIENT_SSL in the greeting as it streams past (after `head` took
   * the server's own bytes, so the codec still knows what it offered): a client that prefers TLS
   * goes on in clear, and stays framable.
   */
  private refuseTls(chunk: Buffer, off: number, from: number, take: number): void {
    for (let i = 0; i < take; i++) {
      const at = from + i;
      if (this.greetingCaps < 0) {
        // The protocol version byte, then the NUL-terminated server version.
        if (at >= 1 && chunk[off + i] === 0) this.greetingCaps = at + 1 + 4 + 8 + 1;
      } else if (at === this.greetingCaps + 1 && this.session.options.tls === 'refuse') {
        chunk[off + i] = (chunk[off + i] as number) & ~(CLIENT_SSL >> 8);
      }
    }
  }

  private packetEnd(): boolean {
    this.headerHave = 0;
    if (this.length === MAX_PACKET) {
      this.continued = true;
      return true;
    }
    this.continued = false;
    return this.logicalPacket();
  }

  /** One whole logical packet has passed: what it means for the unit it belongs to. */
  private logicalPacket(): boolean {
    const s = this.session;
    const first = this.headHave > 0 ? (this.head[0] as number) : -1;
    if (s.phase === Phase.Greeting) {
      this.started = true;
      if (first === 0xff) return this.end();
      if (first !== 0x0a || this.greetingCaps < 0 || this.headHave < this.greetingCaps + 2) return false;
      s.serverCaps = this.head.readUInt16LE(this.greetingCaps) | (this.headHave >= this.greetingCaps + 7 ? this.head.readUInt16LE(this.greetingCaps + 5) << 16 : 0);
      // MariaDB puts its extended capabilities in the last 4 of the 10 reserved bytes.
      if ((s.serverCaps & 1) === 0 && this.headHave >= this.greetingCaps + 18) s.serverExtCaps = this.head.readUInt32LE(this.greetingCaps + 14);
      s.phase = Phase.Auth;
      this.step = Step.Auth;
      return true;
    }
    if (!this.started) {
      this.started = true;
      // The first authentication has no request of its own (it continues the opening's reply);
      // COM_CHANGE_USER's does.
      if (s.phase === Phase.Auth && s.expected[0]?.kind !== ReplyKind.Auth) {
        this.step = Step.Auth;
      } else {
        const request = s.expected.shift();
        if (request === undefined) {
          // Nothing asked for it: an ERR on an idle connection before the server closes it.
          this.unsolicited = true;
          return this.end();
        }
        this.request = request;
        this.step = request.kind === ReplyKind.Prepare ? Step.First : request.kind === ReplyKind.Rows ? Step.Rows : request.kind === ReplyKind.Single ? Step.Single : request.kind === ReplyKind.Auth ? Step.Auth : Step.First;
      }
    }
    switch (this.step) {
      case Step.Auth:
        // OK ends authentication; ERR refuses it; AuthSwitchRequest (FE) and AuthMoreData (01) go on.
        if (first === 0x00 || first === 0xff) {
          s.phase = Phase.Command;
          if (first === 0x00 && s.compress) this.stopAfter = 'the session uses compression';
          return this.end();
        }
        return true;
      case Step.Single:
        return this.end();
      case Step.First:
        return this.firstPacket(first);
      case Step.Columns:
        if (--this.count === 0) this.step = s.deprecateEof ? Step.Rows : Step.ColumnsEof;
        return true;
      case Step.ColumnsEof:
        if (first === 0xff) return this.end();
        if (first !== 0xfe || this.total >= 9) return false;
        // A cursor opened by COM_STMT_EXECUTE: the rows come later, by COM_STMT_FETCH.
        if ((this.head.readUInt16LE(3) & SERVER_STATUS_CURSOR_EXISTS) !== 0) return this.end();
        this.step = Step.Rows;
        return true;
      case Step.Rows:
        if (first === 0xff) return this.errEnd();
        if (first === 0xfe && (this.total < 9 || (s.deprecateEof && this.total < MAX_PACKET))) return this.terminator();
        return true;
      case Step.Definitions:
        if (--this.count === 0) return this.end();
        return true;
    }
  }

  private firstPacket(first: number): boolean {
    if (first === 0xff) return this.errEnd();
    if (this.request?.kind === ReplyKind.Prepare) {
      if (first !== 0x00 || this.headHave < 9) return false;
      const id = this.head.readUInt32LE(1);
      const columns = this.head.readUInt16LE(5);
      const params = this.head.readUInt16LE(7);
      this.session.statements.set(id, this.request.path);
      this.session.lastPrepared = this.request.path;
      const eof = this.session.deprecateEof ? 0 : 1;
      this.count = (params > 0 ? params + eof : 0) + (columns > 0 ? columns + eof : 0);
      if (this.count === 0) return this.end();
      this.step = Step.Definitions;
      return true;
    }
    if (first === 0x00) return this.okStatus(1);
    if (first === 0xfb) {
      this.stopAfter = 'LOCAL INFILE is not framed';
      return this.end();
    }
    const count = lenenc(this.head, 0, this.headHave);
    if (count === null || count <= 0) return false;
    if (this.session.cacheMetadata) {
      // Definitions the client cached are left out (a prepared statement run again); how many
      // packets follow then is not worth guessing at: pass the rest of the connection through.
      const at = lenencSize(this.head, 0, this.headHave) as number;
      if (at >= this.headHave || this.head[at] === 0) return false;
    }
    this.count = count;
    this.step = Step.Columns;
    return true;
  }

  /** An OK (or an OK replacing EOF) at `at` past its header byte: more results follow, or the unit ends. */
  private okStatus(at: number): boolean {
    const affected = lenencSize(this.head, at, this.headHave);
    if (affected === null) return false;
    const id = lenencSize(this.head, at + affected, this.headHave);
    if (id === null) return false;
    const statusAt = at + affected + id;
    if (statusAt + 2 > this.headHave) return false;
    return this.moreOrEnd(this.head.readUInt16LE(statusAt));
  }

  private terminator(): boolean {
    if (this.total < 9 && !this.session.deprecateEof) {
      if (this.headHave < 5) return false;
      return this.moreOrEnd(this.head.readUInt16LE(3));
    }
    return this.okStatus(1);
  }

  private moreOrEnd(status: number): boolean {
    if ((status & SERVER_MORE_RESULTS_EXISTS) !== 0) {
      this.step = Step.First;
      return true;
    }
    return this.end();
  }

  /** MariaDB's progress reports (ERR with code 0xFFFF) are not errors and end nothing. */
  private errEnd(): boolean {
    if (this.headHave >= 3 && this.head.readUInt16LE(1) === 0xffff) return true;
    return this.end();
  }

  private end(): boolean {
    this.complete = true;
    this.request = null;
    return true;
  }

}

/** A length-encoded integer's value at `at`, or null when it is not all in the first `have` bytes. */
function lenenc(buf: Buffer, at: number, have: number): number | null {
  const size = lenencSize(buf, at, have);
  if (size === null) return null;
  const b = buf[at] as number;
  if (size === 1) return b;
  if (b === 0xfc) return buf.readUInt16LE(at + 1);
  if (b === 0xfd) return buf.readUIntLE(at + 1, 3);
  return Number(buf.readBigUInt64LE(at + 1));
}

function lenencSize(buf: Buffer, at: number, have: number): number | null {
  if (at >= have) return null;
  const b = buf[at] as number;
  const size = b < 0xfb ? 1 : b === 0xfc ? 3 : b === 0xfd ? 4 : b === 0xfe ? 9 : 0;
  return size === 0 || at + size > have ? null : size;
}
