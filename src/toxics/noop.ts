import { DEFAULT_HIGH_WATER_MARK, type Stage, type StageContext, type ToxicImpl } from './types.js';

class NoopStage implements Stage {
  constructor(private readonly ctx: StageContext) {}
  onData(chunk: Buffer, at: number): void {
    this.ctx.push(chunk, at);
  }
  onEnd(): void {
    this.ctx.end();
  }
  update(): void {}
  flush(): void {}
  dispose(): void {}
}

export const noop: ToxicImpl<unknown> = {
  highWaterMark: DEFAULT_HIGH_WATER_MARK,
  create: (_attributes, ctx) => new NoopStage(ctx),
};
