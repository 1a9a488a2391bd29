import { UNFRAMEABLE, type ReplyScanner } from '../pipeline/codec.js';
import { LengthLine } from './numbers.js';
import type { RedisSession } from './session.js';

const enum S {
  Type,
  /** A simple line (`+OK`, `-ERR …`, `:1`, `_`, `#t`, `,1.5`, `(123`): skipped to its LF. */
  Line,
  Length,
  Body,
}

/**
 * Server → client: one top-level RESP2/RESP3 value per reply, counted without a stack (an
 * aggregate of n turns one awaited value into n; an attribute adds its pairs in front of the
 * value it annotates). A top-level push (`>`) answers no request. Nothing is copied.
 */
export class RedisReplyScanner implements ReplyScanner {
  complete = false;
  unsolicited = false;
  stopAfter: string | null = null;
  reason: string | null = null;

  private s = S.Type;
  /** Values still to read before the reply ends. */
  private need = 1;
  private top = true;
  private kind = 0;
  private readonly len = new LengthLine();
  private left = 0;

  constructor(private readonly session: RedisSession) {}

  reset(): void {
    this.complete = false;
    this.unsolicited = false;
    this.stopAfter = null;
    this.reason = null;
    this.s = S.Type;
    this.need = 1;
    this.top = true;
  }

  scan(chunk: Buffer, off: number, end: number): number {
    while (off < end) {
      switch (this.s) {
        case S.Type: {
          const c = chunk[off++] as number;
          this.kind = c;
          if (this.top) {
            this.top = false;
            if (c === 0x3e /* > */) this.unsolicited = true;
            // A map only exists in RESP3: HELLO 3 succeeded (its reply is the first one).
            else if (c === 0x25 /* % */) this.session.resp3 = true;
          }
          switch (c) {
            case 0x2b: // + simple string
            case 0x2d: // - error
            case 0x3a: // : integer
            case 0x5f: // _ null
            case 0x23: // # boolean
            case 0x2c: // , double
            case 0x28: // ( big number
              this.s = S.Line;
              break;
            case 0x24: // $ bulk string
            case 0x21: // ! bulk error
            case 0x3d: // = verbatim string
            case 0x2a: // * array
            case 0x25: // % map
            case 0x7e: // ~ set
            case 0x7c: // | attribute
            case 0x3e: // > push
              this.s = S.Length;
              this.len.reset();
              break;
            default:
              this.reason = `not a redis reply (type byte 0x${c.toString(16).padStart(2, '0')})`;
              return UNFRAMEABLE;
          }
          break;
        }
        case S.Line: {
          const lf = chunk.indexOf(0x0a, off);
          if (lf < 0 || lf >= end) return end;
          off = lf + 1;
          if (this.value()) return off;
          break;
        }
        case S.Length: {
          off = this.len.read(chunk, off, end);
          if (!this.len.done) return off;
          if (this.len.bad) {
            this.reason = 'not a redis reply (bad length)';
            return UNFRAMEABLE;
          }
          const n = this.len.value;
          const k = this.kind;
          if (k === 0x24 || k === 0x21 || k === 0x3d) {
            if (n < 0) {
              if (this.value()) return off;
              break;
            }
            this.left = n + 2;
            this.s = S.Body;
            break;
          }
          if (n < 0) {
            if (this.value()) return off;
            break;
          }
          // An aggregate of n values stands where one was awaited; a map's are pairs; an
          // attribute's pairs come before the value it annotates, which is still awaited.
          this.need += k === 0x7c ? 2 * n : k === 0x25 ? 2 * n - 1 : n - 1;
          this.s = S.Type;
          if (this.need === 0 && this.done()) return off;
          break;
        }
        case S.Body: {
          const n = Math.min(this.left, end - off);
          this.left -= n;
          off += n;
          if (this.left > 0) return off;
          if (this.value()) return off;
          break;
        }
      }
    }
    return off;
  }

  /** One value was read; true when it was the reply's last. */
  private value(): boolean {
    this.need--;
    this.s = S.Type;
    return this.need === 0 && this.done();
  }

  private done(): boolean {
    this.complete = true;
    return true;
  }
}
