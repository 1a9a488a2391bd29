import type { ToxicAttributes } from '../api/toxic-types.js';

type Attributes = ToxicAttributes<'slow_close'>;
import { Deadline } from './deadline.js';
import { DEFAULT_HIGH_WATER_MARK, type Stage, type StageContext, type ToxicImpl } from './types.js';

/** Passes data unchanged; when the source closes, waits `delay` ms before passing the close on. */
class SlowCloseStage implements Stage {
  private delay: number;
  private ending = false;
  private readonly deadline = new Deadline(() => this.ctx.end());

  constructor(attributes: Attributes, private readonly ctx: StageContext) {
    this.delay = attributes.delay;
  }

  onData(chunk: Buffer, at: number): void {
    this.ctx.push(chunk, at);
  }

  onEnd(): void {
    this.ending = true;
    this.deadline.restart(this.delay, this.ctx.now());
  }

  update(attributes: Attributes): void {
    this.delay = attributes.delay;
  }

  flush(): void {
    if (this.ending && this.deadline.armed) {
      this.deadline.cancel();
      this.ctx.end();
    }
  }

  dispose(): void {
    this.deadline.cancel();
  }
}

export const slowClose: ToxicImpl<Attributes> = {
  highWaterMark: DEFAULT_HIGH_WATER_MARK,
  create: (attributes, ctx) => new SlowCloseStage(attributes, ctx),
};
