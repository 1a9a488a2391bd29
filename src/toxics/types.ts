

/**
 * What a stage may do to its link. Every capability comes through here, so the link needs no
 * special case for any toxic. Times are milliseconds on the `performance.now()` clock.
 */
export interface StageContext {
  /** Passes a chunk on; `at` is when it counts as sent, so a later stage can measure from it. */
  push(chunk: Buffer, at: number): void;
  /** Passes the end of this direction (a TCP FIN) on. */
  end(): void;
  /** Reports how many bytes the stage holds; above its high-water mark the source is paused. */
  hold(bytes: number): void;
  /** Closes the whole connection: pending writes go out, then both sockets close. */
  close(): void;
  /** Resets the whole connection: both peers get a TCP RST. */
  reset(): void;
  /** A uniform number in [0, 1) from this stage's own stream, reproducible under `--seed`. */
  random(): number;
  now(): number;
  /**
   * State this toxic shares across every connection of its proxy (counters, windows). It is
   * replaced by a fresh object when the toxic is updated, so counts restart then.
   */
  shared(): Record<string, unknown>;
}

/**
 * One toxic acting on one direction of one connection. The contract (docs/creating-toxics.md):
 * never drop or reorder data unless that is the toxic's purpose, and hand back everything held
 * when removed.
 */
export interface Stage {
  onData(chunk: Buffer, at: number): void;
  onEnd(): void;
  /** Retunes in place. Without it, an update flushes this stage and creates a new one. */
  update?(attributes: never): void;
  /** The toxic is being removed: push every held chunk, and a held end, synchronously now. */
  flush(): void;
  /** Cancels timers; nothing is pushed afterwards. */
  dispose(): void;
}

/** A byte-level toxic's implementation; its attributes were validated by the API's schema. */
export interface ToxicImpl<A = never> {
  /** Bytes a stage may hold before the link pauses its source. */
  readonly highWaterMark: number;
  create(attributes: A, ctx: StageContext): Stage;
}

export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
