/**
 * A RESP length line (`*3\r\n`, `$5\r\n`) read a byte at a time across reads, without copying:
 * digits with an optional minus, then CRLF.
 */
export class LengthLine {
  value = 0;
  private negative = false;
  private digits = 0;
  private cr = false;
  /** The line was not a length (a letter, a lone CR, too long); valid once `done`. */
  bad = false;
  done = false;

  reset(): void {
    this.value = 0;
    this.negative = false;
    this.digits = 0;
    this.cr = false;
    this.bad = false;
    this.done = false;
  }

  /** Reads from `chunk[off, end)`; returns the offset past what it read (past the LF once done). */
  read(chunk: Buffer, off: number, end: number): number {
    while (off < end) {
      const c = chunk[off++] as number;
      if (this.cr) {
        if (c !== 0x0a) this.bad = true;
        this.done = true;
        if (this.negative) this.value = -this.value;
        if (this.digits === 0 && !this.bad) this.bad = true;
        return off;
      }
      if (c === 0x0d) this.cr = true;
      else if (c >= 0x30 && c <= 0x39 && this.digits < 18) {
        this.value = this.value * 10 + (c - 0x30);
        this.digits++;
      } else if (c === 0x2d && this.digits === 0 && !this.negative) this.negative = true;
      else {
        // Not a length: the rest of the line is the caller's to give up on.
        this.bad = true;
        this.done = true;
        return off;
      }
    }
    return off;
  }
}
