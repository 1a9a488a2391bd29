import type { StageContext } from '../../toxics/types.js';
import { FramerStage } from '../framer.js';
import { UNFRAMEABLE } from './codec.js';
import type { PipelineExchange } from './exchange.js';
import { Fate, type PipelineEntry } from './fifo.js';

const enum State {
  Frame,
  Pass,
  /** The connection is being closed or reset by a fault: nothing more goes out. */
  Stopped,
}

/**
 * Upstream → client. Writes the replies in request order: an injected answer goes out when its
 * turn comes (between two replies, never inside one), an upstream reply streams through as it
 * arrives (held when a toxic says so), and unsolicited messages pass where they come.
 */
export class ReplyStage extends FramerStage {
  private state = State.Frame;
  /** A reply (or unsolicited message) has begun and not ended. */
  private inUnit = false;
  private upstreamEnded = false;
  private busy = false;
  /** Close once every queued answer is out (the request side dropped what follows). */
  private closeWhenDone = false;

  constructor(
    private readonly exchange: PipelineExchange,
    ctx: StageContext,
  ) {
    super(ctx);
  }

  onData(chunk: Buffer): void {
    try {
      this.exchange.open();
      this.data(chunk);
    } catch (err) {
      this.exchange.internalError(err);
    }
  }

  /** See PipelineExchange.internalError. */
  abandon(): void {
    this.state = State.Stopped;
    this.failed();
  }

  private data(chunk: Buffer): void {
    if (this.state === State.Pass) return this.out(chunk);
    if (this.state === State.Stopped) return;
    // Replies behind a swallowed request wait for good (a hang is a hang).
    if (this.hasKept) return this.keep(chunk);
    this.busy = true;
    const off = this.consume(chunk);
    this.busy = false;
    if (off < chunk.length) this.keep(off === 0 ? chunk : chunk.subarray(off));
    else if (!this.inUnit) this.deliverInjected();
    this.flushRun();
  }

  /** A request was queued: if it is answered here and its turn has come, answer it now. */
  entryQueued(): void {
    if (this.busy || this.inUnit || this.state !== State.Frame) return;
    this.deliverInjected();
  }

  /** Returns where it stopped; before the end only when the FIFO's head is a swallowed request. */
  private consume(chunk: Buffer): number {
    const scanner = this.exchange.codec.replies;
    const end = chunk.length;
    let off = 0;
    while (off < end) {
      if (this.state === State.Pass) {
        this.pass(chunk, off, end);
        return end;
      }
      if (this.state === State.Stopped) return end;
      if (!this.inUnit) {
        const head = this.deliverInjected();
        if (this.state !== State.Frame) continue;
        if (head !== null && head.fate === Fate.Hang) return off;
        if (head !== null && !this.begin(head)) continue;
        this.inUnit = true;
      }
      const next = scanner.scan(chunk, off, end);
      if (next === UNFRAMEABLE) {
        this.pass(chunk, off, end);
        this.exchange.stopFraming(scanner.reason ?? `not a ${this.exchange.protocol} reply`);
        return end;
      }
      if (next < off || next > end || (next === off && !scanner.complete)) throw new Error(`reply codec returned offset ${next} at ${off}..${end}`);
      this.pass(chunk, off, next);
      off = next;
      if (scanner.complete) this.unitDone();
    }
    return off;
  }

  /** A reply starts while `head` is the oldest request: applies its plan. False when it ended the connection. */
  private begin(head: PipelineEntry): boolean {
    const plan = head.plan;
    if (plan === null) return true;
    if (plan.abortOnResponse !== null) {
      this.state = State.Stopped;
      this.finish(plan.abortOnResponse.reset ? 'reset' : 'close');
      this.exchange.complete();
      return false;
    }
    if (plan.responseDelay > 0 && !head.delayed) {
      head.delayed = true;
      this.flushRun();
      this.gate = this.ctx.now() + plan.responseDelay;
    }
    return true;
  }

  private unitDone(): void {
    const scanner = this.exchange.codec.replies;
    const unsolicited = scanner.unsolicited;
    const stop = scanner.stopAfter;
    scanner.reset();
    this.inUnit = false;
    if (!unsolicited) {
      if (this.exchange.fifo.length === 0) this.exchange.repliesUnpaired(`a ${this.exchange.protocol} reply that answers no request`);
      else {
        this.exchange.complete();
        if (this.gate !== -Infinity) {
          this.flushRun();
          this.gate = -Infinity;
        }
        if (this.exchange.unframedRequests && this.exchange.fifo.length === 0) this.passThrough();
      }
    }
    if (stop !== null) this.exchange.stopFraming(stop);
  }

  /**
   * Sends every injected answer at the head of the FIFO, and an abort in its turn; returns the
   * entry now at the head (forwarded or swallowed), or null.
   */
  private deliverInjected(): PipelineEntry | null {
    const fifo = this.exchange.fifo;
    while (this.state === State.Frame) {
      const entry = fifo.peek();
      if (entry === null) {
        if (this.upstreamEnded) this.stop('end');
        else if (this.closeWhenDone) this.stop('close');
        return null;
      }
      switch (entry.fate) {
        case Fate.Forward:
          // The upstream closed with this request unanswered: the client sees the close.
          if (this.upstreamEnded && !this.hasKept) {
            this.stop('end');
            return null;
          }
          return entry;
        case Fate.Hang:
          return entry;
        case Fate.Abort:
          this.exchange.complete();
          this.stop(entry.reset ? 'reset' : 'close', entry.readyAt);
          return null;
        case Fate.Answer:
          this.out(entry.answer as Buffer, entry.readyAt);
          this.exchange.complete();
          if (entry.close) {
            this.stop('close', entry.readyAt);
            return null;
          }
      }
    }
    return null;
  }

  private stop(how: 'end' | 'close' | 'reset', due = this.gate): void {
    this.state = State.Stopped;
    this.finish(how, due);
  }

  /** Replies are not framed any more: anything kept, and all that follows, goes through. */
  passThrough(): void {
    if (this.state === State.Stopped) return;
    this.state = State.Pass;
    this.releaseHeld();
    if (this.upstreamEnded) this.finish('end');
  }

  /** Answers queued here can no longer be placed: close once what came is out, rather than misplace one. */
  closeAfterPassing(): void {
    if (this.state === State.Stopped) return;
    this.stop('close');
  }

  /** See PipelineExchange.closeWhenAnswered. */
  closeWhenAnswered(): void {
    this.closeWhenDone = true;
    if (this.state === State.Frame && !this.busy && !this.inUnit) this.deliverInjected();
  }

  onEnd(): void {
    try {
      this.exchange.open();
      this.upstreamEnded = true;
      if (this.state === State.Stopped) return;
      if (this.state === State.Pass || this.inUnit) this.stop('end');
      else if (!this.hasKept) this.deliverInjected();
    } catch (err) {
      this.exchange.internalError(err);
    }
  }
}
