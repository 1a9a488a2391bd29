import type { Queue } from '../../toxics/queue.js';
import { UNFRAMEABLE, type ReplyScanner } from '../pipeline/codec.js';
import { ReplyKind } from './kinds.js';
import { LineGatherer, startsWithWord, tokens } from './line.js';

/** Enough of a reply line to classify it: a VALUE line's key is at most 250 bytes. */
const KEEP = 512;

/**
 * Server → client: one reply per command the server answers, delimited by the kind the request
 * scanner queued for it — one line; VALUE blocks up to END; STAT lines up to END. An error line
 * ends any of them (the server sends no END after it).
 */
export class MemcachedReplyScanner implements ReplyScanner {
  complete = false;
  readonly unsolicited = false;
  stopAfter: string | null = null;
  reason: string | null = null;

  private readonly line = new LineGatherer();
  private started = false;
  private kind = ReplyKind.Line;
  private dataLeft = 0;

  constructor(private readonly kinds: Queue<ReplyKind>) {}

  reset(): void {
    this.complete = false;
    this.stopAfter = null;
    this.reason = null;
    this.line.reset();
    this.started = false;
    this.dataLeft = 0;
  }

  scan(chunk: Buffer, off: number, end: number): number {
    if (!this.started) {
      this.started = true;
      this.kind = this.kinds.shift() ?? ReplyKind.Line;
    }
    while (off < end) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, end - off);
        this.dataLeft -= n;
        off += n;
        continue;
      }
      const { line, next } = this.line.read(chunk, off, end, KEEP);
      off = next;
      if (line === null) return off;
      if (this.kind === ReplyKind.Line || isError(line)) return this.done(off);
      if (startsWithWord(line, 'END')) return this.done(off);
      if (this.kind === ReplyKind.Values) {
        if (!startsWithWord(line, 'VALUE')) {
          this.reason = 'not a memcached retrieval reply';
          return UNFRAMEABLE;
        }
        const bytes = Number(tokens(line)[3]);
        if (!Number.isSafeInteger(bytes) || bytes < 0) {
          this.reason = 'a memcached VALUE line without a valid length';
          return UNFRAMEABLE;
        }
        this.dataLeft = bytes + 2;
      }
    }
    return off;
  }

  private done(off: number): number {
    this.complete = true;
    return off;
  }
}

function isError(line: Buffer): boolean {
  return startsWithWord(line, 'ERROR') || startsWithWord(line, 'CLIENT_ERROR') || startsWithWord(line, 'SERVER_ERROR');
}
