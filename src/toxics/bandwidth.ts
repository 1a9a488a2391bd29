import type { ToxicAttributes } from '../api/toxic-types.js';

type Attributes = ToxicAttributes<'bandwidth'>;
import { Deadline } from './deadline.js';
import { handBack, Queue } from './queue.js';
import type { Stage, StageContext, ToxicImpl } from './types.js';

/** Pieces carry at most this much time's worth of data, so the rate is smooth at any size. */
const PIECE_MS = 10;

/**
 * Limits a direction to `rate` KB/s (1 KB = 1000 B, so `rate` is also bytes per millisecond).
 * Sending is scheduled, not buffered without bound: the stage holds what it has been given and
 * the link pauses the source above the high-water mark. Rate 0 stalls the direction and keeps
 * every byte, which removing the toxic lets through.
 */
class BandwidthStage implements Stage {
  private rate: number;
  private readonly chunks = new Queue<Buffer>();
  private held = 0;
  private nextAt = 0;
  private ended = false;
  private readonly deadline = new Deadline(() => this.pump());

  constructor(attributes: Attributes, private readonly ctx: StageContext) {
    this.rate = attributes.rate;
  }

  onData(chunk: Buffer): void {
    const wasIdle = this.chunks.length === 0;
    this.chunks.push(chunk);
    this.held += chunk.length;
    this.ctx.hold(this.held);
    if (wasIdle && !this.deadline.armed) {
      // After idling, the schedule restarts now: unused time is not banked as a burst.
      const now = this.ctx.now();
      if (this.nextAt < now) this.nextAt = now;
      this.pump();
    }
  }

  private pump(): void {
    if (this.rate <= 0) return;
    const now = this.ctx.now();
    const maxPiece = Math.max(1, this.rate * PIECE_MS);
    let head = this.chunks.peek();
    // Lateness of the timer is carried forward (nextAt is never reset while busy), so the
    // average rate stays exact even though each wake-up is a little late.
    while (head !== undefined && this.nextAt <= now) {
      let piece = head;
      if (head.length > maxPiece) {
        piece = head.subarray(0, maxPiece);
        this.chunks.replaceHead(head.subarray(maxPiece));
      } else {
        this.chunks.shift();
      }
      this.held -= piece.length;
      this.nextAt += piece.length / this.rate;
      this.ctx.push(piece, now);
      head = this.chunks.peek();
    }
    this.ctx.hold(this.held);
    if (head !== undefined) this.deadline.at(this.nextAt, now);
    else if (this.ended) this.ctx.end();
  }

  onEnd(): void {
    if (this.chunks.length === 0) this.ctx.end();
    else this.ended = true;
  }

  update(attributes: Attributes): void {
    this.rate = attributes.rate;
    this.deadline.cancel();
    this.nextAt = this.ctx.now();
    this.pump();
  }

  flush(): void {
    this.deadline.cancel();
    this.held = 0;
    handBack(this.chunks, this.ctx, this.ended);
  }

  dispose(): void {
    this.deadline.cancel();
    this.chunks.clear();
  }
}

export const bandwidth: ToxicImpl<Attributes> = {
  highWaterMark: 256 * 1024,
  create: (attributes, ctx) => new BandwidthStage(attributes, ctx),
};
