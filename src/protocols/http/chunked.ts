/**
 * Finds where a chunked body ends (RFC 9112 §7.1) as bytes stream past, without copying or
 * decoding them: the body is forwarded as it came.
 */
const enum State {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerLine,
  TrailerLf,
  FinalLf,
}

/** Chunk sizes above this are refused rather than trusted (a guard against huge numerals). */
const MAX_CHUNK = 2 ** 48;

export class ChunkedScanner {
  private state = State.Size;
  private size = 0;
  private digits = 0;
  private remaining = 0;

  reset(): void {
    this.state = State.Size;
    this.size = 0;
    this.digits = 0;
    this.remaining = 0;
  }

  /**
   * Scans `buf[from, to)`. Returns the index just after the body's end, -1 when the body goes
   * on past `to`, or -2 when the bytes are not a chunked body.
   */
  scan(buf: Buffer, from: number, to: number): number {
    let i = from;
    while (i < to) {
      const c = buf[i] as number;
      switch (this.state) {
        case State.Data: {
          const n = Math.min(this.remaining, to - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = State.DataCr;
          continue;
        }
        case State.Size: {
          const v = hex(c);
          if (v >= 0) {
            this.size = this.size * 16 + v;
            if (++this.digits > 12 || this.size > MAX_CHUNK) return -2;
          } else if (this.digits === 0) return -2;
          else if (c === 0x3b || c === 0x20 || c === 0x09) this.state = State.Extension;
          else if (c === 0x0d) this.state = State.SizeLf;
          else if (c === 0x0a) this.endSizeLine();
          else return -2;
          break;
        }
        case State.Extension:
          if (c === 0x0d) this.state = State.SizeLf;
          else if (c === 0x0a) this.endSizeLine();
          break;
        case State.SizeLf:
          if (c !== 0x0a) return -2;
          this.endSizeLine();
          break;
        case State.DataCr:
          if (c === 0x0d) this.state = State.DataLf;
          else if (c === 0x0a) this.nextChunk();
          else return -2;
          break;
        case State.DataLf:
          if (c !== 0x0a) return -2;
          this.nextChunk();
          break;
        case State.TrailerStart:
          if (c === 0x0d) this.state = State.FinalLf;
          else if (c === 0x0a) {
            this.reset();
            return i + 1;
          } else this.state = State.TrailerLine;
          break;
        case State.TrailerLine:
          if (c === 0x0a) this.state = State.TrailerStart;
          else if (c === 0x0d) this.state = State.TrailerLf;
          break;
        case State.TrailerLf:
          if (c !== 0x0a) return -2;
          this.state = State.TrailerStart;
          break;
        case State.FinalLf:
          if (c !== 0x0a) return -2;
          this.reset();
          return i + 1;
      }
      i++;
    }
    return -1;
  }

  private endSizeLine(): void {
    if (this.size === 0) this.state = State.TrailerStart;
    else {
      this.remaining = this.size;
      this.state = State.Data;
    }
    this.size = 0;
    this.digits = 0;
  }

  private nextChunk(): void {
    this.state = State.Size;
  }
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
