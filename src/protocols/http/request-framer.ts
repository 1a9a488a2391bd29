import type { StageContext } from '../../toxics/types.js';
import { FramerStage, NEED_MORE, TOO_LARGE } from '../framer.js';
import { ChunkedScanner } from './chunked.js';
import type { HttpExchange } from './exchange.js';
import { findHeadEnd, RequestHead, type BodyFraming } from './head.js';

const enum State {
  Head,
  Body,
  /** After an Upgrade or CONNECT request: wait for the response before framing what follows. */
  AwaitSwitch,
  Pass,
  /** After a request that was swallowed or aborted, or answered with a close: drop the rest. */
  Discard,
}

/**
 * Client → upstream. Holds each request's header section until it is complete, asks the
 * exchange what to do with the request, then forwards it (perhaps held for a while) or keeps it
 * from the upstream, streaming the body either way without buffering it.
 */
export class RequestFramer extends FramerStage {
  private state = State.Head;
  private forwarding = true;
  private chunked = false;
  private remaining = 0;
  private scanner: ChunkedScanner | null = null;
  private tunnelAfter = false;
  private discardAfter = false;

  constructor(
    private readonly exchange: HttpExchange,
    ctx: StageContext,
  ) {
    super(ctx);
  }

  onData(chunk: Buffer): void {
    try {
      this.consume(chunk, 0);
      this.flushRun();
    } catch (err) {
      this.exchange.internalError(err);
    }
  }

  /** See HttpExchange.internalError. */
  abandon(): void {
    this.state = State.Discard;
    this.failed();
  }

  private consume(chunk: Buffer, from: number): void {
    let off = from;
    while (off < chunk.length) {
      switch (this.state) {
        case State.Pass:
          this.pass(chunk, off, chunk.length);
          return;
        case State.Discard:
          return;
        case State.AwaitSwitch:
          this.keep(off === 0 ? chunk : chunk.subarray(off));
          return;
        case State.Head:
          off = this.head(chunk, off);
          break;
        case State.Body:
          off = this.body(chunk, off);
          break;
      }
    }
  }

  private head(chunk: Buffer, off: number): number {
    const next = this.gatherHead(chunk, off, findHeadEnd);
    if (next === NEED_MORE) return chunk.length;
    if (next === TOO_LARGE) return this.giveUp('request header section too large', this.gathered(), chunk.length);
    const head = RequestHead.parse(this.headBuf, this.headStart, this.headEnd);
    if (head === null) return this.giveUp('not an HTTP/1.x request', this.gathered(), next);

    const entry = this.exchange.open(head);
    head.release();
    const terminal = entry.plan?.terminal ?? null;
    this.tunnelAfter = false;
    this.discardAfter = false;
    if (terminal === null) {
      this.forwarding = true;
      this.tunnelAfter = head.mayTunnel;
      this.flushRun();
      this.gate = entry.readyAt;
      this.exchange.enqueue(entry);
      this.passHead(chunk);
    } else {
      this.forwarding = false;
      if (terminal.kind === 'answer') {
        // A body the client may still be waiting to send (100-continue) is not waited for: the
        // answer says Connection: close instead (reference protocols.md §1.5).
        const close = !head.keepAlive || (head.expectContinue && head.framing.kind !== 'none');
        this.exchange.answer(entry, terminal, close);
        this.discardAfter = close;
      } else {
        this.discardAfter = true;
      }
      this.exchange.enqueue(entry);
    }
    this.releaseHead();
    this.startBody(head.framing);
    return next;
  }

  private startBody(framing: BodyFraming): void {
    if (framing.kind === 'none') return this.messageDone();
    this.state = State.Body;
    this.chunked = framing.kind === 'chunked';
    if (this.chunked) (this.scanner ??= new ChunkedScanner()).reset();
    else this.remaining = framing.kind === 'length' ? framing.length : 0;
    if (this.discardAfter) this.state = State.Discard;
  }

  private body(chunk: Buffer, off: number): number {
    if (this.chunked) {
      const found = (this.scanner as ChunkedScanner).scan(chunk, off, chunk.length);
      if (found === -2) {
        // The body of a request answered here never reaches the upstream, and where the next
        // request starts is unknown: drop the rest and close once the answers are out.
        if (!this.forwarding) {
          this.state = State.Discard;
          this.exchange.closeWhenAnswered();
          return chunk.length;
        }
        return this.giveUp('malformed chunked request body', null, off);
      }
      const end = found < 0 ? chunk.length : found;
      if (this.forwarding) this.pass(chunk, off, end);
      if (found >= 0) this.messageDone();
      return end;
    }
    const n = Math.min(this.remaining, chunk.length - off);
    if (this.forwarding) this.pass(chunk, off, off + n);
    this.remaining -= n;
    if (this.remaining === 0) this.messageDone();
    return off + n;
  }

  private messageDone(): void {
    if (this.discardAfter) this.state = State.Discard;
    else this.state = this.tunnelAfter ? State.AwaitSwitch : State.Head;
  }

  /** Forwards `held` and everything after it unframed, for the rest of the connection. */
  private giveUp(reason: string, held: Buffer | null, next: number): number {
    this.exchange.stopFramingRequests(reason);
    if (held !== null) this.out(held);
    return next;
  }

  /** Requests are not framed any more: a partial head, anything kept, and all that follows go through. */
  passThrough(): void {
    if (this.state === State.Discard) return;
    this.state = State.Pass;
    this.releaseHeld();
  }

  becomeTunnel(): void {
    this.passThrough();
  }

  /** The upgrade was refused: what the client sent meanwhile is HTTP again. */
  resumeFraming(): void {
    if (this.state !== State.AwaitSwitch) return;
    this.state = State.Head;
    const kept: Buffer[] = [];
    for (let chunk = this.takeKept(); chunk !== undefined; chunk = this.takeKept()) kept.push(chunk);
    for (const chunk of kept) this.consume(chunk, 0);
    this.flushRun();
  }

  onEnd(): void {
    try {
      this.end();
    } catch (err) {
      this.exchange.internalError(err);
    }
  }

  private end(): void {
    if (this.stash !== null) {
      // A request cut off inside its header section is forwarded as it came.
      const partial = this.stash;
      this.stash = null;
      if (this.state !== State.Discard) this.out(partial);
    }
    for (let chunk = this.takeKept(); chunk !== undefined; chunk = this.takeKept()) this.out(chunk);
    this.finish('end');
  }
}
