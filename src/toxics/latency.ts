import type { ToxicAttributes } from '../api/toxic-types.js';

type Attributes = ToxicAttributes<'latency'>;
import { Deadline } from './deadline.js';
import { EARLY_MS } from './waker.js';
import { handBack, Queue } from './queue.js';
import type { Stage, StageContext, ToxicImpl } from './types.js';

/**
 * Delays each chunk by latency ± jitter, measured from when the chunk arrived, so a stream is
 * shifted in time rather than slowed down. Chunks leave in order: a chunk never overtakes an
 * earlier one, even when its own jitter is smaller.
 */
class LatencyStage implements Stage {
  private latency: number;
  private jitter: number;
  private readonly chunks = new Queue<Buffer>();
  private readonly dues = new Queue<number>();
  private held = 0;
  private lastDue = -Infinity;
  private ended = false;
  private readonly deadline = new Deadline(() => this.release(), true);

  constructor(attributes: Attributes, private readonly ctx: StageContext) {
    this.latency = attributes.latency;
    this.jitter = attributes.jitter;
  }

  private delay(): number {
    if (this.jitter <= 0) return this.latency;
    // Toxiproxy's distribution: uniform whole milliseconds in [-jitter, +jitter).
    return this.latency + Math.floor(this.ctx.random() * 2 * this.jitter) - this.jitter;
  }

  onData(chunk: Buffer, at: number): void {
    let due = at + this.delay();
    if (due < this.lastDue) due = this.lastDue;
    this.lastDue = due;
    const now = this.ctx.now();
    if (this.chunks.length === 0 && due <= now) {
      this.ctx.push(chunk, due);
      return;
    }
    this.chunks.push(chunk);
    this.dues.push(due);
    this.held += chunk.length;
    this.ctx.hold(this.held);
    if (this.chunks.length === 1) this.deadline.at(due, now);
  }

  private release(): void {
    const now = this.ctx.now();
    let due = this.dues.peek();
    while (due !== undefined && due <= now + EARLY_MS) {
      const chunk = this.chunks.shift() as Buffer;
      this.dues.shift();
      this.held -= chunk.length;
      this.ctx.push(chunk, due);
      due = this.dues.peek();
    }
    this.ctx.hold(this.held);
    if (due !== undefined) this.deadline.at(due, now);
    else if (this.ended) this.ctx.end();
  }

  onEnd(): void {
    if (this.chunks.length === 0) this.ctx.end();
    else this.ended = true;
  }

  update(attributes: Attributes): void {
    this.latency = attributes.latency;
    this.jitter = attributes.jitter;
  }

  flush(): void {
    this.deadline.cancel();
    this.dues.clear();
    this.held = 0;
    handBack(this.chunks, this.ctx, this.ended);
  }

  dispose(): void {
    this.deadline.cancel();
    this.chunks.clear();
    this.dues.clear();
  }
}

export const latency: ToxicImpl<Attributes> = {
  // Enough in flight that a delay does not throttle a fast stream (Toxiproxy buffers 1024 chunks).
  highWaterMark: 8 * 1024 * 1024,
  create: (attributes, ctx) => new LatencyStage(attributes, ctx),
};
