import type { ToxicAttributes } from '../api/toxic-types.js';

type Attributes = ToxicAttributes<'reset_peer'>;
import { Deadline } from './deadline.js';
import { DEFAULT_HIGH_WATER_MARK, type Stage, type StageContext, type ToxicImpl } from './types.js';

/**
 * Waits for the first data (or the end) on this direction, then `timeout` ms, then resets the
 * connection: both peers get a TCP RST. Data from then on is discarded. The RST is decided when
 * the reset happens, not when the connection opens, so a connection the toxic spares closes
 * normally (Toxiproxy #603).
 */
class ResetPeerStage implements Stage {
  private timeout: number;
  private triggered = false;
  private readonly deadline = new Deadline(() => this.ctx.reset());

  constructor(attributes: Attributes, private readonly ctx: StageContext) {
    this.timeout = attributes.timeout;
  }

  private trigger(): void {
    if (this.triggered) return;
    this.triggered = true;
    if (this.timeout <= 0) this.ctx.reset();
    else this.deadline.restart(this.timeout, this.ctx.now());
  }

  onData(): void {
    this.trigger();
  }

  onEnd(): void {
    this.trigger();
  }

  update(attributes: Attributes): void {
    this.timeout = attributes.timeout;
    if (this.deadline.armed) {
      if (this.timeout <= 0) {
        this.deadline.cancel();
        this.ctx.reset();
      } else this.deadline.restart(this.timeout, this.ctx.now());
    }
  }

  /**
   * Before the first data nothing was lost, so the connection simply goes on. After it, data
   * has been discarded and the stream cannot continue intact: the reset happens now.
   */
  flush(): void {
    this.deadline.cancel();
    if (this.triggered) this.ctx.reset();
  }

  dispose(): void {
    this.deadline.cancel();
  }
}

export const resetPeer: ToxicImpl<Attributes> = {
  highWaterMark: DEFAULT_HIGH_WATER_MARK,
  create: (attributes, ctx) => new ResetPeerStage(attributes, ctx),
};
