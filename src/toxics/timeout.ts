import type { ToxicAttributes } from '../api/toxic-types.js';

type Attributes = ToxicAttributes<'timeout'>;
import { Deadline } from './deadline.js';
import { DEFAULT_HIGH_WATER_MARK, type Stage, type StageContext, type ToxicImpl } from './types.js';

/**
 * Drops all data. With `timeout` > 0, closes the connection after that long without data on
 * this direction (counted from when the stage starts); with 0, holds it open forever. Removing
 * the toxic closes the connection too: the peers have lost data, so the stream cannot go on.
 */
class TimeoutStage implements Stage {
  private timeout: number;
  private readonly deadline = new Deadline(() => this.ctx.close());

  constructor(attributes: Attributes, private readonly ctx: StageContext) {
    this.timeout = attributes.timeout;
    this.arm();
  }

  private arm(): void {
    if (this.timeout > 0) this.deadline.restart(this.timeout, this.ctx.now());
    else this.deadline.cancel();
  }

  onData(): void {
    this.arm();
  }

  onEnd(): void {
    this.deadline.cancel();
    this.ctx.end();
  }

  update(attributes: Attributes): void {
    this.timeout = attributes.timeout;
    this.arm();
  }

  flush(): void {
    this.deadline.cancel();
    this.ctx.close();
  }

  dispose(): void {
    this.deadline.cancel();
  }
}

export const timeout: ToxicImpl<Attributes> = {
  highWaterMark: DEFAULT_HIGH_WATER_MARK,
  create: (attributes, ctx) => new TimeoutStage(attributes, ctx),
};
