import type { ToxicAttributes } from '../api/toxic-types.js';

type Attributes = ToxicAttributes<'limit_data'>;
import { DEFAULT_HIGH_WATER_MARK, type Stage, type StageContext, type ToxicImpl } from './types.js';

/**
 * Lets `bytes` bytes through, cutting the chunk that crosses the limit, then closes the
 * connection. The count belongs to the connection and survives updates of the toxic.
 */
class LimitDataStage implements Stage {
  private limit: number;
  private passed = 0;
  private done = false;

  constructor(attributes: Attributes, private readonly ctx: StageContext) {
    this.limit = attributes.bytes;
  }

  onData(chunk: Buffer, at: number): void {
    if (this.done) return;
    const room = this.limit - this.passed;
    const piece = chunk.length > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
    if (piece.length > 0) {
      this.passed += piece.length;
      this.ctx.push(piece, at);
    }
    if (this.passed >= this.limit) {
      this.done = true;
      this.ctx.close();
    }
  }

  onEnd(): void {
    this.ctx.end();
  }

  update(attributes: Attributes): void {
    this.limit = attributes.bytes;
  }

  flush(): void {}

  dispose(): void {}
}

export const limitData: ToxicImpl<Attributes> = {
  highWaterMark: DEFAULT_HIGH_WATER_MARK,
  create: (attributes, ctx) => new LimitDataStage(attributes, ctx),
};
