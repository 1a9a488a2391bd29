import { Deadline } from '../toxics/deadline.js';
import { Queue } from '../toxics/queue.js';
import type { Stage, StageContext } from '../toxics/types.js';

/** What may wait in the output queue besides bytes: the end of the stream, a close, a reset. */
const END = { action: 'end' } as const;
const CLOSE = { action: 'close' } as const;
const RESET = { action: 'reset' } as const;
type Marker = typeof END | typeof CLOSE | typeof RESET;

/** Longest header section a framer holds while deciding; beyond it the connection is passed through. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** `gatherHead()`: the chunk ended inside the header section. */
export const NEED_MORE = -1;
/** `gatherHead()`: the header section is longer than MAX_HEAD_BYTES. */
export const TOO_LARGE = -2;
const EMPTY = Buffer.alloc(0);

/**
 * The base of every framer stage. It owns the bookkeeping a framer must not get wrong:
 *
 * - Output leaves in order, each piece not before its due time (a held request, a delayed
 *   response, trickled headers), with one timer for the earliest.
 * - Input the framer cannot act on yet is kept in order (`keep`/`takeKept`).
 * - Bytes kept or queued that still point into the link's reused read buffer are reported
 *   with `hold()`, so the next read never overwrites them; a partial header section is copied
 *   (`stash`), so it points nowhere.
 */
export abstract class FramerStage implements Stage {
  // Made when first needed: most connections never hold anything, and an idle one should cost little.
  private outQueue: Queue<Buffer | Marker> | null = null;
  private dueQueue: Queue<number> | null = null;
  private queuedBytes = 0;
  private lastDue = -Infinity;
  private deadline: Deadline | null = null;
  private kept: Queue<Buffer> | null = null;
  private keptBytes = 0;
  /** A header section that arrived in pieces, copied. */
  protected stash: Buffer | null = null;
  /** Nothing is released before this time: a held request or response. */
  protected gate = -Infinity;
  /** Set once the stage ended, closed or reset its output: nothing more goes out. */
  protected finished = false;
  /**
   * Bytes of the chunk being framed that pass unchanged, as one range: a response's head and
   * body (or several pipelined messages) from one read leave in one write, as they came.
   */
  private runChunk: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;

  constructor(protected readonly ctx: StageContext) {}

  abstract onData(chunk: Buffer, at: number): void;
  abstract onEnd(): void;

  /** Passes `chunk[from, to)` on unchanged, joined to the range before it when they touch. */
  protected pass(chunk: Buffer, from: number, to: number): void {
    if (from === to) return;
    if (this.runChunk === chunk && this.runEnd === from) {
      this.runEnd = to;
      return;
    }
    this.flushRun();
    if (this.gate !== -Infinity || (this.outQueue !== null && this.outQueue.length > 0)) {
      this.out(chunk.subarray(from, to));
      return;
    }
    this.runChunk = chunk;
    this.runStart = from;
    this.runEnd = to;
  }

  /** Sends the pending range; called before anything else goes out, and when a read is done. */
  protected flushRun(): void {
    const chunk = this.runChunk;
    if (chunk === null) return;
    this.runChunk = null;
    this.send(this.runStart === 0 && this.runEnd === chunk.length ? chunk : chunk.subarray(this.runStart, this.runEnd), this.gate);
  }

  /** Sends bytes on, in order, not before `due` (default: the gate). */
  protected out(chunk: Buffer, due = this.gate): void {
    this.flushRun();
    this.send(chunk, due);
  }

  private send(chunk: Buffer, due: number): void {
    if (this.finished || chunk.length === 0) return;
    if ((this.outQueue === null || this.outQueue.length === 0) && (due === -Infinity || due <= this.ctx.now())) {
      this.ctx.push(chunk, due === -Infinity ? this.ctx.now() : due);
      return;
    }
    this.enqueue(chunk, due);
    this.queuedBytes += chunk.length;
    this.report();
  }

  /** Ends, closes or resets once everything queued before it has gone out (a reset: at once). */
  protected finish(how: 'end' | 'close' | 'reset', due = this.gate): void {
    this.flushRun();
    if (this.finished) return;
    if ((this.outQueue === null || this.outQueue.length === 0) && due <= this.ctx.now()) {
      this.finished = true;
      if (how === 'end') this.ctx.end();
      else if (how === 'close') this.ctx.close();
      else this.ctx.reset();
      return;
    }
    this.enqueue(how === 'end' ? END : how === 'close' ? CLOSE : RESET, due);
  }

  private enqueue(item: Buffer | Marker, due: number): void {
    if (due < this.lastDue) due = this.lastDue;
    this.lastDue = due;
    const items = (this.outQueue ??= new Queue());
    const dues = (this.dueQueue ??= new Queue());
    items.push(item);
    dues.push(due);
    this.deadline ??= new Deadline(() => this.release(), true);
    if (items.length === 1) this.deadline.at(due, this.ctx.now());
  }

  private release(): void {
    const items = this.outQueue;
    const dues = this.dueQueue;
    if (items === null || dues === null) return;
    const now = this.ctx.now();
    let due = dues.peek();
    while (due !== undefined && due <= now + 0.5 && !this.finished) {
      const item = items.shift() as Buffer | Marker;
      dues.shift();
      if (Buffer.isBuffer(item)) {
        this.queuedBytes -= item.length;
        this.ctx.push(item, due);
      } else {
        this.finished = true;
        if (item === END) this.ctx.end();
        else if (item === CLOSE) this.ctx.close();
        else this.ctx.reset();
      }
      due = dues.peek();
    }
    this.report();
    if (due !== undefined && !this.finished) this.deadline?.at(due, now);
  }

  /** Keeps input to frame later, in order. */
  protected keep(chunk: Buffer): void {
    this.flushRun();
    if (chunk.length === 0) return;
    (this.kept ??= new Queue()).push(chunk);
    this.keptBytes += chunk.length;
    this.report();
  }

  protected takeKept(): Buffer | undefined {
    const chunk = this.kept?.shift();
    if (chunk !== undefined) {
      this.keptBytes -= chunk.length;
      this.report();
    }
    return chunk;
  }

  protected get hasKept(): boolean {
    return this.kept !== null && this.kept.length > 0;
  }

  /** Where the header section found by the last `gatherHead()` lies: `headBuf[headStart, headEnd)`. */
  protected headBuf: Buffer = EMPTY;
  protected headStart = 0;
  protected headEnd = 0;

  /**
   * Gathers a header section that starts at `chunk[off]`, across reads; `findEnd(buf, from)`
   * says where a section ends (just past its terminator) or -1. Returns where it ends
   * in `chunk` once complete (its bytes are in the chunk, or in the stash when they came in
   * pieces); NEED_MORE when the chunk ended inside it (that piece is copied to the stash); or
   * TOO_LARGE past MAX_HEAD_BYTES, with `headBuf…` holding what was gathered, to pass on unframed.
   */
  protected gatherHead(chunk: Buffer, off: number, findEnd: (buf: Buffer, from: number) => number): number {
    const stash = this.stash;
    if (stash === null) {
      const end = findEnd(chunk, off);
      if (end >= 0) return this.found(chunk, off, end, end);
      if (chunk.length - off > MAX_HEAD_BYTES) return this.tooLarge(chunk, off, chunk.length);
      this.addToStash(chunk.subarray(off));
      return NEED_MORE;
    }
    const before = stash.length;
    const buf = this.addToStash(chunk.subarray(off));
    // The terminator may have begun in the stash: look again from just before the join.
    const end = findEnd(buf, Math.max(0, before - 3));
    if (end < 0) {
      if (buf.length <= MAX_HEAD_BYTES) return NEED_MORE;
      this.stash = null;
      return this.tooLarge(buf, 0, buf.length);
    }
    this.stash = null;
    return this.found(buf, 0, end, off + (end - before));
  }

  private found(buf: Buffer, start: number, end: number, next: number): number {
    this.headBuf = buf;
    this.headStart = start;
    this.headEnd = end;
    return next;
  }

  private tooLarge(buf: Buffer, start: number, end: number): number {
    this.found(buf, start, end, 0);
    return TOO_LARGE;
  }

  /** The gathered header section, to pass on as it came: a range of the chunk when it is one. */
  protected passHead(chunk: Buffer): void {
    if (this.headBuf === chunk) this.pass(chunk, this.headStart, this.headEnd);
    else this.out(this.headBuf.subarray(this.headStart, this.headEnd));
  }

  /** The gathered section's bytes. */
  protected gathered(): Buffer {
    return this.headBuf.subarray(this.headStart, this.headEnd);
  }

  /** Lets go of the gathered section, which may point into the read buffer. */
  protected releaseHead(): void {
    this.headBuf = EMPTY;
  }

  /**
   * From now on everything passes unchanged: first a header section still being gathered, then
   * the input kept, in the order they came.
   */
  protected releaseHeld(): void {
    const stash = this.stash;
    this.stash = null;
    if (stash !== null) this.out(stash);
    for (let chunk = this.takeKept(); chunk !== undefined; chunk = this.takeKept()) this.out(chunk);
  }

  /** Appends a piece of a header section to the stash, copying it out of the read buffer. */
  protected addToStash(piece: Buffer): Buffer {
    this.stash = this.stash === null ? Buffer.from(piece) : Buffer.concat([this.stash, piece]);
    return this.stash;
  }

  private report(): void {
    this.ctx.hold(this.queuedBytes + this.keptBytes);
  }

  /**
   * A framer's own bug must neither take the server down nor send bytes it is unsure of: the
   * connection is reset instead. Called from the framers' entry points.
   */
  protected failed(): void {
    this.runChunk = null;
    this.outQueue?.clear();
    this.dueQueue?.clear();
    this.kept?.clear();
    this.queuedBytes = 0;
    this.keptBytes = 0;
    this.report();
    if (!this.finished) {
      this.finished = true;
      this.ctx.reset();
    }
  }

  /** Framers live as long as their connection; nothing to hand back on their own. */
  flush(): void {}

  dispose(): void {
    this.runChunk = null;
    this.deadline?.cancel();
    this.outQueue?.clear();
    this.dueQueue?.clear();
    this.kept?.clear();
    this.finished = true;
  }
}
