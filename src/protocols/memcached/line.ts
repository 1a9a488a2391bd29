/**
 * A memcached text line (request or reply) gathered across reads: read in place when it lies in
 * one chunk, copied only when it arrives in pieces.
 */
export class LineGatherer {
  private pieces: Buffer[] | null = null;
  private length = 0;

  reset(): void {
    this.pieces = null;
    this.length = 0;
  }

  /** Bytes of the current line seen so far. */
  get gathered(): number {
    return this.length;
  }

  /**
   * Reads up to the line's LF in `chunk[off, end)`. Returns the line without its CRLF (or LF)
   * once complete, else null after copying the piece; `next` is where reading stopped.
   */
  read(chunk: Buffer, off: number, end: number, keep: number): { line: Buffer | null; next: number } {
    let lf = chunk.indexOf(0x0a, off);
    if (lf >= end) lf = -1;
    if (lf < 0) {
      if (this.length < keep) (this.pieces ??= []).push(Buffer.from(chunk.subarray(off, Math.min(end, off + keep - this.length))));
      this.length += end - off;
      return { line: null, next: end };
    }
    let line: Buffer;
    if (this.pieces === null) line = chunk.subarray(off, lf);
    else {
      if (this.length < keep) this.pieces.push(chunk.subarray(off, Math.min(lf, off + keep - this.length)));
      line = Buffer.concat(this.pieces);
      this.pieces = null;
      // The LF may have come alone, after a CR in the previous piece.
    }
    this.length = 0;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    return { line, next: lf + 1 };
  }
}

/** The space-separated tokens of a line (memcached splits on spaces only). */
export function tokens(line: Buffer): string[] {
  return line.toString('latin1').split(' ').filter((t) => t !== '');
}

/** Whether `line` is exactly `word` or starts with `word` and a space. */
export function startsWithWord(line: Buffer, word: string): boolean {
  if (line.length < word.length) return false;
  for (let i = 0; i < word.length; i++) if (line[i] !== word.charCodeAt(i)) return false;
  return line.length === word.length || line[word.length] === 0x20;
}
