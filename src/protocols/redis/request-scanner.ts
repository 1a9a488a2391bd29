import { UNFRAMEABLE, type CodecRequest, type RequestScanner } from '../pipeline/codec.js';
import { firstKeyAt, NO_KEY, NUMKEYS, STREAMS } from './keys.js';
import { LengthLine } from './numbers.js';
import { RedisRequest } from './request.js';
import type { RedisSession } from './session.js';

const enum S {
  Start,
  Count,
  ArgLen,
  ArgBody,
  ArgEnd,
  Inline,
}

/** Redis refuses a multibulk count above this (networking.c) and an inline line longer than this. */
const MAX_ARGS = 1024 * 1024;
const MAX_BULK = 512 * 1024 * 1024;
const MAX_INLINE = 64 * 1024;
/** Arguments longer than this are not copied for matching (a key that long is matched as ''). */
const MAX_CAPTURE = 16 * 1024;
const UNKNOWN = 0;
const HTTP_REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/\d\.\d$/;
// Control characters other than tab: binary data, not a line typed at a prompt.
const BINARY = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Client → server: a multibulk command (`*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n`) or an inline one
 * (`GET foo\r\n`). It copies only the command name and the arguments that say which key it acts
 * on (and HELLO's version, CLIENT's subcommand), and is identified as soon as those are read.
 */
export class RedisRequestScanner implements RequestScanner {
  identified = false;
  complete = false;
  expectsReply = true;
  stopAfter: string | null = null;
  reason: string | null = null;

  private s = S.Start;
  private readonly len = new LengthLine();
  private argc = 0;
  /** Arguments fully read. */
  private argi = 0;
  private argLeft = 0;
  private capturing = false;
  private pieces: Buffer[] | null = null;
  private skip = 0;
  private command = '';
  private key = '';
  /** Index of the first key: NO_KEY, UNKNOWN (0) while a numkeys or STREAMS argument is awaited. */
  private keyAt = NO_KEY;
  private keySpec = NO_KEY;
  private lastNeeded = 0;
  private sub1 = '';
  private sub2 = '';
  private inline: Buffer[] | null = null;
  private inlineLen = 0;
  private isRequest = true;

  constructor(private readonly session: RedisSession) {}

  reset(): void {
    this.identified = false;
    this.complete = false;
    this.expectsReply = true;
    this.stopAfter = null;
    this.reason = null;
    this.s = S.Start;
    this.argc = 0;
    this.argi = 0;
    this.command = '';
    this.key = '';
    this.keyAt = NO_KEY;
    this.keySpec = NO_KEY;
    this.lastNeeded = 0;
    this.sub1 = '';
    this.sub2 = '';
    this.pieces = null;
    this.inline = null;
    this.inlineLen = 0;
    this.isRequest = true;
    this.justIdentified = false;
    this.keyChunk = null;
  }

  scan(chunk: Buffer, off: number, end: number): number {
    while (off < end) {
      switch (this.s) {
        case S.Start:
          if (chunk[off] === 0x2a /* * */) {
            this.s = S.Count;
            this.len.reset();
            off++;
          } else this.s = S.Inline;
          break;
        case S.Count: {
          off = this.len.read(chunk, off, end);
          if (!this.len.done) return off;
          if (this.len.bad || this.len.value > MAX_ARGS) return this.unframeable('invalid multibulk length in a redis request');
          this.argc = this.len.value;
          if (this.argc <= 0) {
            // `*0` and `*-1` run nothing and get no reply.
            this.isRequest = false;
            this.expectsReply = false;
            return this.finish(off);
          }
          this.nextArg();
          break;
        }
        case S.ArgLen: {
          if (this.argLeft === -1) {
            if (chunk[off] !== 0x24 /* $ */) return this.unframeable("expected '$' in a redis multibulk request");
            this.argLeft = 0;
            off++;
            break;
          }
          off = this.len.read(chunk, off, end);
          if (!this.len.done) return off;
          if (this.len.bad || this.len.value < 0 || this.len.value > MAX_BULK) return this.unframeable('invalid bulk length in a redis request');
          this.argLeft = this.len.value;
          this.capturing = this.wants(this.argi) && this.argLeft <= MAX_CAPTURE;
          this.s = S.ArgBody;
          if (this.argLeft === 0) off = this.argBody(chunk, off, end);
          break;
        }
        case S.ArgBody:
          off = this.argBody(chunk, off, end);
          break;
        case S.ArgEnd: {
          const n = Math.min(this.skip, end - off);
          this.skip -= n;
          off += n;
          if (this.skip > 0) return off;
          if (this.argi >= this.argc) return this.finish(off);
          this.nextArg();
          break;
        }
        case S.Inline:
          return this.inlineLine(chunk, off, end);
      }
      // The exchange decides as soon as the command and its key are known.
      if (this.justIdentified) {
        this.justIdentified = false;
        return off;
      }
    }
    return off;
  }

  private justIdentified = false;

  private nextArg(): void {
    this.s = S.ArgLen;
    this.len.reset();
    this.argLeft = -1;
  }

  private argBody(chunk: Buffer, off: number, end: number): number {
    const n = Math.min(this.argLeft, end - off);
    if (this.capturing) {
      if (n === this.argLeft && this.pieces === null) {
        // Keys are matched as UTF-8 text; the command name is ASCII, known by its bytes.
        if (this.argi === 0) this.argRead(this.nameAt(chunk, off, n), true);
        else if (this.argi === this.keyAt && this.keyAt >= this.lastNeeded) {
          // The key completes the identification: the request is decided on this very read,
          // so its bytes can stay where they are until a toxic reads them.
          this.keyChunk = chunk;
          this.keyFrom = off;
          this.keyTo = off + n;
          this.argRead(null);
        } else this.argRead(chunk.toString('utf8', off, off + n));
      } else {
        (this.pieces ??= []).push(Buffer.from(chunk.subarray(off, off + n)));
        if (n === this.argLeft) {
          const value = Buffer.concat(this.pieces).toString('utf8');
          this.pieces = null;
          this.argRead(value);
        }
      }
    } else if (n === this.argLeft) this.argRead(null);
    this.argLeft -= n;
    off += n;
    if (this.argLeft === 0) {
      this.s = S.ArgEnd;
      this.skip = 2; // the CRLF after the argument, which Redis skips unchecked
    }
    return off;
  }

  /**
   * The command name at `chunk[off, off + n)`, upper-cased. A connection sends the same name
   * over and over (a pipeline of GETs), so the last one is kept as bytes and compared in place:
   * no string is made for it, and no lookup.
   */
  private nameAt(chunk: Buffer, off: number, n: number): string {
    const last = this.lastName;
    if (n === this.lastNameLen) {
      let i = 0;
      while (i < n && chunk[off + i] === last[i]) i++;
      if (i === n) return this.lastUpper;
    }
    const name = upper(chunk.toString('latin1', off, off + n));
    if (n <= last.length) {
      chunk.copy(last, 0, off, off + n);
      this.lastNameLen = n;
      this.lastUpper = name;
    }
    return name;
  }

  /** The key, left in the read (see argBody): `keyChunk[keyFrom, keyTo)`. */
  private keyChunk: Buffer | null = null;
  private keyFrom = 0;
  private keyTo = 0;
  private readonly lastName = Buffer.alloc(24);
  private lastNameLen = -1;
  private lastUpper = '';

  /** Argument `argi` was read (`value` when it was copied; `isUpper` when already upper-cased). */
  private argRead(value: string | null, isUpper = false): void {
    const i = this.argi++;
    if (i === 0) this.commandRead(value === null ? '' : isUpper ? value : upper(value));
    else if (value !== null) {
      if (i === this.keyAt) this.key = value;
      else if (this.keyAt === UNKNOWN && (this.keySpec & NUMKEYS) !== 0 && i === (this.keySpec & 0xff)) {
        const numkeys = Number(value);
        this.keyAt = Number.isInteger(numkeys) && numkeys >= 1 ? i + 1 : NO_KEY;
        this.lastNeeded = Math.max(this.lastNeeded, this.keyAt);
      } else if (this.keyAt === UNKNOWN && this.keySpec === STREAMS && value.toUpperCase() === 'STREAMS') {
        this.keyAt = i + 1;
        this.lastNeeded = Math.max(this.lastNeeded, this.keyAt);
      }
      // Only HELLO's version and CLIENT's subcommand are read (a GET's key needs no upper case).
      if (this.command === 'HELLO' || this.command === 'CLIENT') {
        if (i === 1) this.sub1 = value.toUpperCase();
        else if (i === 2) this.sub2 = value.toUpperCase();
      }
    }
    if (!this.identified && (this.argi > this.lastNeeded || this.argi >= this.argc)) {
      this.identify();
      this.justIdentified = true;
    }
  }

  private commandRead(command: string): void {
    this.command = command;
    const spec = firstKeyAt(command);
    this.keySpec = spec;
    if (spec === NO_KEY) this.keyAt = NO_KEY;
    else if ((spec & NUMKEYS) !== 0) {
      this.keyAt = UNKNOWN;
      this.lastNeeded = spec & 0xff;
    } else if (spec === STREAMS) {
      this.keyAt = UNKNOWN;
      this.lastNeeded = Number.MAX_SAFE_INTEGER;
    } else this.keyAt = spec;
    if (this.keyAt > 0) this.lastNeeded = this.keyAt;
    if (command === 'HELLO') this.lastNeeded = Math.max(this.lastNeeded, 1);
    if (command === 'CLIENT') this.lastNeeded = Math.max(this.lastNeeded, 2);
  }

  /** Whether argument `i` is copied: only what the view and the framing need, never a value. */
  private wants(i: number): boolean {
    if (i === 0 || i === this.keyAt) return true;
    const c = this.command;
    if (i === 1 && (c === 'HELLO' || c === 'CLIENT')) return true;
    if (i === 2 && c === 'CLIENT') return true;
    if (this.keyAt === UNKNOWN) return (this.keySpec & NUMKEYS) !== 0 ? i === (this.keySpec & 0xff) : this.keySpec === STREAMS;
    return false;
  }

  /** What the command does to the connection's framing, decided once it is known. */
  private identify(): void {
    this.identified = true;
    const c = this.command;
    const session = this.session;
    switch (c) {
      case 'SUBSCRIBE':
      case 'PSUBSCRIBE':
      case 'SSUBSCRIBE':
      case 'UNSUBSCRIBE':
      case 'PUNSUBSCRIBE':
      case 'SUNSUBSCRIBE':
        // RESP3 confirms with pushes, which answer nothing; RESP2 answers once per channel and
        // then delivers messages as arrays that cannot be told from replies.
        if (session.resp3) this.expectsReply = false;
        else this.stopAfter = `redis ${c} on RESP2: pub/sub messages cannot be told from replies; the rest passes through`;
        break;
      case 'MONITOR':
      case 'SYNC':
      case 'PSYNC':
        this.stopAfter = `redis ${c}: the server streams from now on; the rest passes through`;
        break;
      case 'CLIENT':
        if (this.sub1 === 'REPLY' && (this.sub2 === 'OFF' || this.sub2 === 'SKIP')) {
          this.stopAfter = `redis CLIENT REPLY ${this.sub2}: replies no longer follow requests; the rest passes through`;
        }
        break;
    }
  }

  private finish(off: number): number {
    if (!this.identified) this.identified = true;
    this.complete = true;
    return off;
  }

  private unframeable(reason: string): number {
    this.reason = reason;
    return UNFRAMEABLE;
  }

  /** An inline command: the whole line is gathered (Redis caps it at 64 KiB), then split. */
  private inlineLine(chunk: Buffer, off: number, end: number): number {
    let lf = chunk.indexOf(0x0a, off);
    if (lf >= end) lf = -1;
    const to = lf < 0 ? end : lf + 1;
    if (this.inlineLen + (to - off) > MAX_INLINE + 2) return this.unframeable('redis inline command longer than 64 KiB');
    if (lf < 0) {
      (this.inline ??= []).push(Buffer.from(chunk.subarray(off, end)));
      this.inlineLen += end - off;
      return end;
    }
    let line: string;
    if (this.inline === null) line = chunk.toString('utf8', off, lf);
    else {
      this.inline.push(chunk.subarray(off, lf));
      line = Buffer.concat(this.inline).toString('utf8');
      this.inline = null;
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (HTTP_REQUEST_LINE.test(line)) return this.unframeable('an HTTP request, not redis');
    if (BINARY.test(line)) return this.unframeable('binary data, not a redis command');
    const args = splitArgs(line);
    if (args === null) return this.unframeable('unbalanced quotes in a redis inline command');
    if (args.length === 0) {
      // An empty line runs nothing and gets no reply.
      this.isRequest = false;
      this.expectsReply = false;
      return this.finish(to);
    }
    this.argc = args.length;
    this.commandRead((args[0] as string).toUpperCase());
    for (let i = 1; i < args.length; i++) {
      this.argi = i;
      this.argRead(args[i] as string);
    }
    this.argi = args.length;
    if (!this.identified) this.identify();
    return this.finish(to);
  }

  view(n: number): CodecRequest | null {
    if (!this.isRequest) return null;
    const session = this.session;
    const before = session.resp3;
    if (this.command === 'HELLO' && (this.sub1 === '2' || this.sub1 === '3')) session.resp3 = this.sub1 === '3';
    else if (this.command === 'RESET') session.resp3 = false;
    const keyChunk = this.keyAt > 0 ? this.keyChunk : null;
    const request = new RedisRequest(n, this.command, this.keyAt > 0 && keyChunk === null ? this.key : '', before);
    if (keyChunk !== null) request.keyIn(keyChunk, this.keyFrom, this.keyTo);
    this.keyChunk = null;
    return request;
  }
}

const UPPER = new Map<string, string>();

/** A command name in upper case, remembered: clients send the same few names over and over. */
function upper(name: string): string {
  let up = UPPER.get(name);
  if (up === undefined) {
    up = name.toUpperCase();
    if (UPPER.size < 1024) UPPER.set(name, up);
  }
  return up;
}

/**
 * Splits an inline command as Redis's sdssplitargs does: spaces separate, "double quotes" take
 * \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take \'. Null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const args: string[] = [];
  let i = 0;
  const n = line.length;
  while (true) {
    while (i < n && /\s/.test(line[i] as string)) i++;
    if (i >= n) return args;
    let current = '';
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          const e = line[++i] as string;
          current += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < n && !/\s/.test(line[i + 1] as string)) return null;
          done = true;
        } else current += c;
      } else if (inSingle) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          current += "'";
          i++;
        } else if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1] as string)) return null;
          done = true;
        } else current += c;
      } else if (c === undefined || /\s/.test(c)) done = true;
      else if (c === '"') inDouble = true;
      else if (c === "'") inSingle = true;
      else current += c;
      if (i < n) i++;
    }
    args.push(current);
  }
}
