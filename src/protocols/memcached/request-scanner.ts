import { Queue } from '../../toxics/queue.js';
import { UNFRAMEABLE, type CodecRequest, type RequestScanner } from '../pipeline/codec.js';
import { META, NOREPLY, ReplyKind, RETRIEVAL, STORAGE } from './kinds.js';
import { LineGatherer, tokens } from './line.js';
import { MemcachedRequest } from './request.js';

/** Longest command line framed (a get with many keys); memcached itself closes at 2048 for others. */
const MAX_LINE = 64 * 1024;
const HTTP_REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/\d\.\d$/;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Client → server, the text protocol: a command line, and for storage commands a data block of
 * the announced length (plus CRLF), cut by length since it may hold anything. Identified at the
 * end of the line; the data block streams after the decision.
 */
export class MemcachedRequestScanner implements RequestScanner {
  identified = false;
  complete = false;
  expectsReply = true;
  stopAfter: string | null = null;
  reason: string | null = null;
  /** A toxic answered the current request: the server will not reply to it. */
  answeredHere = false;

  private readonly line = new LineGatherer();
  private dataLeft = 0;
  private kind = ReplyKind.Line;
  private command = '';
  private key = '';
  private inData = false;

  /** The reply kind of each request the server will answer, in order, for the reply scanner. */
  constructor(private readonly kinds: Queue<ReplyKind>) {}

  reset(): void {
    // Queued only now, once the exchange has decided: an answered request gets no server reply.
    if (this.complete && this.expectsReply && !this.answeredHere) this.kinds.push(this.kind);
    this.identified = false;
    this.complete = false;
    this.expectsReply = true;
    this.stopAfter = null;
    this.reason = null;
    this.answeredHere = false;
    this.line.reset();
    this.dataLeft = 0;
    this.kind = ReplyKind.Line;
    this.command = '';
    this.key = '';
    this.inData = false;
  }

  scan(chunk: Buffer, off: number, end: number): number {
    if (this.inData) {
      const n = Math.min(this.dataLeft, end - off);
      this.dataLeft -= n;
      if (this.dataLeft === 0) this.done();
      return off + n;
    }
    if (this.line.gathered === 0 && chunk[off] === 0x80) return this.unframeable('memcached binary protocol: the connection passes through');
    const { line, next } = this.line.read(chunk, off, end, MAX_LINE + 2);
    if (line === null) {
      if (this.line.gathered > MAX_LINE + 2) return this.unframeable('memcached command line longer than 64 KiB');
      return next;
    }
    return this.commandLine(line, next);
  }

  private commandLine(line: Buffer, next: number): number {
    const text = line.toString('latin1');
    if (HTTP_REQUEST_LINE.test(text)) return this.unframeable('an HTTP request, not memcached');
    if (CONTROL.test(text)) return this.unframeable('binary data, not a memcached command');
    const t = tokens(line);
    const command = t[0] ?? '';
    this.command = command;
    this.identified = true;
    if (META.has(command)) return this.unframeable(`memcached meta command ${command}: meta commands pass through`);
    if (NOREPLY.has(command) && t.length > 1 && t[t.length - 1] === 'noreply') this.expectsReply = false;
    if (STORAGE.has(command)) {
      // <cmd> <key> <flags> <exptime> <bytes> [<cas unique>] [noreply]
      const bytes = Number(t[4]);
      if (t.length < (command === 'cas' ? 6 : 5) || !/^\d+$/.test(t[4] ?? '') || !Number.isSafeInteger(bytes)) {
        return this.unframeable(`memcached ${command} without a valid data length`);
      }
      this.key = t[1] ?? '';
      this.dataLeft = bytes + 2;
      this.inData = true;
      return next;
    }
    if (RETRIEVAL.has(command)) {
      this.kind = ReplyKind.Values;
      this.key = (command === 'gat' || command === 'gats' ? t[2] : t[1]) ?? '';
    } else if (command === 'stats') this.kind = ReplyKind.Lines;
    else if (command === 'delete' || command === 'incr' || command === 'decr' || command === 'touch') this.key = t[1] ?? '';
    else if (command === 'quit') this.expectsReply = false;
    else if (command === 'watch' || command === 'lru_crawler') {
      this.stopAfter = `memcached ${command}: the server streams from now on; the rest passes through`;
    }
    this.done();
    return next;
  }

  private done(): void {
    this.complete = true;
    this.inData = false;
  }

  private unframeable(reason: string): number {
    this.reason = reason;
    return UNFRAMEABLE;
  }

  view(n: number): CodecRequest | null {
    return new MemcachedRequest(n, this.command.toUpperCase(), this.key, this.command);
  }
}
