import type { StageContext } from '../../toxics/types.js';
import { FramerStage, MAX_HEAD_BYTES } from '../framer.js';
import { UNFRAMEABLE } from './codec.js';
import type { PipelineExchange } from './exchange.js';
import { Fate, type PipelineEntry } from './fifo.js';

const enum State {
  Frame,
  Pass,
  /** After a request that was swallowed, aborted, or answered with a close: drop the rest. */
  Discard,
}

/**
 * Client → upstream. Holds each request's bytes only until the codec has identified it, asks
 * the exchange what to do with it, then forwards it (perhaps held for a while) or keeps it from
 * the upstream, streaming the rest of it either way.
 */
export class RequestStage extends FramerStage {
  private state = State.Frame;
  /** A request has begun and not ended. */
  private inUnit = false;
  /** The current request was identified and decided. */
  private decided = false;
  private forwarding = true;
  /** Where the current request's undecided bytes start in the chunk being framed. */
  private unitFrom = 0;
  /** Undecided bytes kept from earlier reads. */
  private heldBytes = 0;
  /** The current request's entry, queued once it is complete. */
  private pending: PipelineEntry | null = null;
  private discardAfter = false;

  constructor(
    private readonly exchange: PipelineExchange,
    ctx: StageContext,
  ) {
    super(ctx);
  }

  onData(chunk: Buffer): void {
    try {
      this.exchange.open();
      this.consume(chunk);
      this.flushRun();
    } catch (err) {
      this.exchange.internalError(err);
    }
  }

  /** See PipelineExchange.internalError. */
  abandon(): void {
    this.state = State.Discard;
    this.failed();
  }

  private consume(chunk: Buffer): void {
    const scanner = this.exchange.codec.requests;
    const end = chunk.length;
    let off = 0;
    this.unitFrom = 0;
    while (off < end) {
      if (this.state === State.Pass) return this.pass(chunk, off, end);
      if (this.state === State.Discard) return;
      if (!this.inUnit) {
        this.inUnit = true;
        this.decided = false;
        this.unitFrom = off;
      }
      const next = scanner.scan(chunk, off, end);
      if (next === UNFRAMEABLE) return this.unframeable(chunk, off, scanner.reason ?? `not a ${this.exchange.protocol} request`);
      if (next < off || next > end) throw new Error(`request codec returned offset ${next} outside ${off}..${end}`);
      if (!this.decided) {
        if (scanner.identified || scanner.complete) this.decide(chunk, next);
        else if (next === end) {
          this.heldBytes += end - this.unitFrom;
          if (this.heldBytes > MAX_HEAD_BYTES) return this.unframeable(chunk, off, `${this.exchange.protocol} request not identified within ${MAX_HEAD_BYTES} bytes`);
          this.keep(this.unitFrom === 0 ? chunk : chunk.subarray(this.unitFrom, end));
        } else if (next === off) throw new Error('request codec made no progress');
      } else if (this.forwarding) this.pass(chunk, off, next);
      else if (next === off && !scanner.complete) throw new Error('request codec made no progress');
      if (scanner.complete) this.unitDone();
      off = next;
    }
  }

  /** The current request is identified: forward what was held of it, or drop it. */
  private decide(chunk: Buffer, next: number): void {
    this.decided = true;
    this.heldBytes = 0;
    const view = this.exchange.codec.requests.view(this.exchange.nextNumber());
    let entry: PipelineEntry | null = null;
    if (view !== null) {
      entry = this.exchange.entry(view);
      view.decided?.();
    }
    this.pending = entry;
    this.forwarding = entry === null || entry.fate === Fate.Forward;
    if (this.forwarding) {
      const readyAt = entry?.readyAt ?? -Infinity;
      if (readyAt !== this.gate) {
        this.flushRun();
        this.gate = readyAt;
      }
      for (let held = this.takeKept(); held !== undefined; held = this.takeKept()) this.out(held);
      this.pass(chunk, this.unitFrom, next);
    } else {
      while (this.takeKept() !== undefined);
      this.discardAfter = (entry as PipelineEntry).fate !== Fate.Answer || (entry as PipelineEntry).close;
    }
  }

  private unitDone(): void {
    const scanner = this.exchange.codec.requests;
    const entry = this.pending;
    const expectsReply = scanner.expectsReply;
    const stop = scanner.stopAfter;
    scanner.reset();
    this.pending = null;
    this.inUnit = false;
    if (entry !== null && (expectsReply || entry.fate === Fate.Abort)) this.exchange.enqueue(entry);
    if (this.gate !== -Infinity) {
      this.flushRun();
      this.gate = -Infinity;
    }
    if (this.discardAfter) {
      this.discardAfter = false;
      this.state = State.Discard;
      // Nothing after an abort, a hang or a closing answer is answered: the connection ends
      // with the answers before it (a hang keeps it open, as the reply side waits on it).
      if (entry !== null && entry.fate === Fate.Answer) this.exchange.closeWhenAnswered();
      return;
    }
    if (stop !== null && this.state === State.Frame) this.exchange.stopFramingRequests(stop);
  }

  /** The codec cannot frame what starts at `chunk[off]`: from here on everything passes as it came. */
  private unframeable(chunk: Buffer, off: number, reason: string): void {
    const from = this.inUnit && !this.decided ? this.unitFrom : off;
    this.exchange.stopFramingRequests(reason);
    if (this.state === State.Pass) this.pass(chunk, from, chunk.length);
  }

  /**
   * Requests are not framed any more: what is held, and all that follows, goes through. False
   * when a request being dropped (answered here) was cut short: its rest cannot be told from the
   * next request's start, so everything is dropped and the connection must close.
   */
  passThrough(): boolean {
    if (this.state === State.Discard) return true;
    if (this.inUnit && this.decided && !this.forwarding) {
      this.state = State.Discard;
      return false;
    }
    this.state = State.Pass;
    this.heldBytes = 0;
    this.releaseHeld();
    return true;
  }

  onEnd(): void {
    try {
      this.exchange.open();
      if (this.state === State.Discard) while (this.takeKept() !== undefined);
      else for (let held = this.takeKept(); held !== undefined; held = this.takeKept()) this.out(held);
      this.finish('end');
    } catch (err) {
      this.exchange.internalError(err);
    }
  }
}
