/**
 * The memory a socket reads into (Node's `onread`), instead of a fresh 64 KiB buffer per read.
 * When, after a read's callback, nothing refers to the bytes any more — the sink took the whole
 * write and no stage holds data (a stage that keeps a chunk must say so with `hold()`) — the
 * same buffer is read into again: no allocation and no garbage per chunk. Otherwise the buffer
 * stays with whoever refers to it and a new one is made.
 *
 * The size follows the traffic: a read that fills the buffer doubles it, up to MAX_BYTES, so a
 * bulk stream moves in few large reads; a read that does not fill it sizes the next buffer to
 * that read, so a held chunk pins at most about twice its own size and a connection that goes
 * quiet keeps only a buffer the size of its last read.
 */
const MIN_BYTES = 2 * 1024;
const MAX_BYTES = 256 * 1024;

function sizeFor(bytes: number): number {
  let size = MIN_BYTES;
  while (size < bytes && size < MAX_BYTES) size *= 2;
  return size;
}

export class ReadBuffer {
  private buffer: Buffer | null = null;
  /** Bytes the last read put in the buffer. */
  lastRead = 0;

  /** The buffer for the next read; `reusable` says whether nothing refers to the current one. */
  next(reusable: boolean): Buffer {
    const current = this.buffer;
    if (current === null) return (this.buffer = Buffer.allocUnsafeSlow(MIN_BYTES));
    const size = current.length;
    const wanted = this.lastRead >= size ? Math.min(size * 2, MAX_BYTES) : sizeFor(this.lastRead);
    if (reusable && wanted === size) return current;
    return (this.buffer = Buffer.allocUnsafeSlow(wanted));
  }
}
