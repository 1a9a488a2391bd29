import type { ToxicAttributes } from '../api/toxic-types.js';

type Attributes = ToxicAttributes<'slicer'>;
import { Deadline } from './deadline.js';
import { handBack, Queue } from './queue.js';
import { DEFAULT_HIGH_WATER_MARK, type Stage, type StageContext, type ToxicImpl } from './types.js';

/**
 * Cuts each chunk into slices of `average_size` ± `size_variation` bytes, `delay` µs apart.
 * Slices are views of the chunk, not copies. Toxiproxy crashes on `average_size` 0 and can
 * panic when the variation is not smaller than the average; here the average is at least 1 byte
 * and the variation at most average − 1.
 */
class SlicerStage implements Stage {
  private average = 1;
  private variation = 0;
  private delayMs = 0;
  private readonly slices = new Queue<Buffer>();
  private held = 0;
  private nextAt = 0;
  private ended = false;
  private readonly deadline = new Deadline(() => this.release());

  constructor(attributes: Attributes, private readonly ctx: StageContext) {
    this.update(attributes);
  }

  private sliceSize(): number {
    if (this.variation === 0) return this.average;
    return this.average - this.variation + Math.floor(this.ctx.random() * (2 * this.variation + 1));
  }

  onData(chunk: Buffer, at: number): void {
    if (this.delayMs === 0 && this.slices.length === 0) {
      for (let offset = 0; offset < chunk.length; ) {
        const end = Math.min(chunk.length, offset + this.sliceSize());
        this.ctx.push(chunk.subarray(offset, end), at);
        offset = end;
      }
      return;
    }
    const wasEmpty = this.slices.length === 0;
    for (let offset = 0; offset < chunk.length; ) {
      const end = Math.min(chunk.length, offset + this.sliceSize());
      this.slices.push(chunk.subarray(offset, end));
      offset = end;
    }
    this.held += chunk.length;
    this.ctx.hold(this.held);
    if (wasEmpty) {
      const now = this.ctx.now();
      if (this.nextAt < now) this.nextAt = now;
      this.release();
    }
  }

  /** Sends every slice that is due; sub-millisecond delays are kept on average by the schedule. */
  private release(): void {
    const now = this.ctx.now();
    while (this.slices.length > 0 && this.nextAt <= now) {
      const slice = this.slices.shift() as Buffer;
      this.held -= slice.length;
      this.nextAt += this.delayMs;
      this.ctx.push(slice, now);
    }
    this.ctx.hold(this.held);
    if (this.slices.length > 0) this.deadline.at(this.nextAt, now);
    else if (this.ended) this.ctx.end();
  }

  onEnd(): void {
    if (this.slices.length === 0) this.ctx.end();
    else this.ended = true;
  }

  update(attributes: Attributes): void {
    this.average = Math.max(1, attributes.average_size);
    this.variation = Math.min(attributes.size_variation, this.average - 1);
    this.delayMs = attributes.delay / 1000;
  }

  flush(): void {
    this.deadline.cancel();
    this.held = 0;
    handBack(this.slices, this.ctx, this.ended);
  }

  dispose(): void {
    this.deadline.cancel();
    this.slices.clear();
  }
}

export const slicer: ToxicImpl<Attributes> = {
  highWaterMark: DEFAULT_HIGH_WATER_MARK,
  create: (attributes, ctx) => new SlicerStage(attributes, ctx),
};
