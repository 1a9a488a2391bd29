import type { StageContext } from '../../toxics/types.js';
import { FramerStage, NEED_MORE, TOO_LARGE } from '../framer.js';
import { ChunkedScanner } from './chunked.js';
import type { HttpEntry, HttpExchange } from './exchange.js';
import { findHeadEnd, parseResponseHead, type BodyFraming } from './head.js';

const enum State {
  Head,
  Body,
  Pass,
  /** The connection is being closed or reset by a fault: nothing more goes out. */
  Stopped,
}

/** Header sections are trickled in pieces about this far apart. */
const DRIP_INTERVAL_MS = 50;

/**
 * Upstream → client. Writes the responses in request order: an injected answer goes out when
 * its turn comes, an upstream response streams through as it arrives (held, trickled or cut
 * when a toxic says so), and 1xx, HEAD, 204, 304, chunked and close-delimited bodies are
 * delimited the way RFC 9112 says.
 */
export class ResponseFramer extends FramerStage {
  private state = State.Head;
  private framing: BodyFraming = { kind: 'none' };
  private remaining = 0;
  private scanner: ChunkedScanner | null = null;
  private truncateLeft = -1;
  private truncateReset = false;
  private upstreamEnded = false;
  private busy = false;
  /** Close once every queued answer is out (the request side lost track of the requests). */
  private closeWhenDone = false;

  constructor(
    private readonly exchange: HttpExchange,
    ctx: StageContext,
  ) {
    super(ctx);
  }

  onData(chunk: Buffer): void {
    try {
      this.data(chunk);
    } catch (err) {
      this.exchange.internalError(err);
    }
  }

  /** See HttpExchange.internalError. */
  abandon(): void {
    this.state = State.Stopped;
    this.failed();
  }

  private data(chunk: Buffer): void {
    if (this.state === State.Pass) return this.out(chunk);
    if (this.state === State.Stopped) return;
    if (this.hasKept) return this.keep(chunk);
    this.busy = true;
    const off = this.consume(chunk, 0);
    this.busy = false;
    if (off < chunk.length) this.keep(chunk.subarray(off));
    else this.deliverInjected();
    this.flushRun();
  }

  /** A request was queued: if it is answered here and its turn has come, answer it now. */
  entryQueued(): void {
    if (this.busy || this.state !== State.Head) return;
    this.deliverInjected();
    if (!this.hasKept) return;
    const kept: Buffer[] = [];
    for (let chunk = this.takeKept(); chunk !== undefined; chunk = this.takeKept()) kept.push(chunk);
    for (const chunk of kept) this.data(chunk);
  }

  /** Returns where it stopped; before the end only when the FIFO's head will never be answered. */
  private consume(chunk: Buffer, from: number): number {
    let off = from;
    while (off < chunk.length) {
      if (this.state === State.Pass) {
        this.pass(chunk, off, chunk.length);
        return chunk.length;
      }
      if (this.state === State.Stopped) return chunk.length;
      if (this.state === State.Body) {
        off = this.body(chunk, off);
        continue;
      }
      const entry = this.deliverInjected();
      if (this.state !== State.Head) continue;
      if (entry === null) {
        if (this.exchange.fifo.length === 0) {
          // Responses to requests that were passed through unframed, or bytes answering nothing.
          this.exchange.responsesUnpaired('bytes from the upstream that answer no request');
          continue;
        }
        return off; // a swallowed request: nothing after it is answered
      }
      off = this.head(entry, chunk, off);
    }
    return off;
  }

  /**
   * Sends every injected answer at the head of the FIFO; returns the forwarded entry now at the
   * head, or null when there is none or the head is a swallowed request.
   */
  private deliverInjected(): HttpEntry | null {
    while (this.state === State.Head) {
      const entry = this.exchange.fifo.peek();
      if (entry === undefined) {
        if (this.upstreamEnded) this.finish('end');
        else if (this.closeWhenDone) {
          this.state = State.Stopped;
          this.finish('close');
        }
        return null;
      }
      const terminal = entry.plan?.terminal ?? null;
      if (terminal === null) {
        if (this.upstreamEnded && !this.hasKept && this.stash === null) {
          // The upstream closed with this request unanswered: the client sees the close.
          this.state = State.Stopped;
          this.finish('end');
          return null;
        }
        return entry;
      }
      if (terminal.kind === 'hang') return null;
      if (terminal.kind === 'abort') {
        this.state = State.Stopped;
        this.finish(terminal.reset ? 'reset' : 'close', entry.readyAt);
        this.exchange.complete();
        return null;
      }
      const reply = entry.reply as Buffer;
      const slow = entry.plan?.slowHeaders ?? 0;
      if (slow > 0) this.drip(reply, slow, entry.readyAt);
      else this.out(reply, entry.readyAt);
      this.exchange.complete();
      if (entry.close) {
        this.state = State.Stopped;
        this.finish('close', entry.readyAt);
        return null;
      }
    }
    return null;
  }

  private head(entry: HttpEntry, chunk: Buffer, off: number): number {
    const next = this.gatherHead(chunk, off, findHeadEnd);
    if (next === NEED_MORE) return chunk.length;
    try {
      return this.respond(entry, chunk, next);
    } finally {
      this.releaseHead();
    }
  }

  /** A response's header section is complete: pass it on, as the plan for its request says. */
  private respond(entry: HttpEntry, chunk: Buffer, next: number): number {
    if (next === TOO_LARGE) return this.giveUp('response header section too large', this.gathered(), chunk.length);
    const request = entry.view.head;
    const head = parseResponseHead(this.headBuf, this.headStart, this.headEnd, request.method);
    if (head === null) return this.giveUp('not an HTTP/1.x response', this.gathered(), next);
    if (head === 'invalid-length') return this.giveUp('invalid Content-Length in a response', this.gathered(), next);
    const status = head.status;
    if (status >= 100 && status < 200 && status !== 101) {
      this.passHead(chunk); // interim: the final response of the same request follows
      return next;
    }
    if (status === 101 || (request.method === 'CONNECT' && status >= 200 && status < 300)) {
      this.passHead(chunk);
      this.exchange.complete();
      this.exchange.tunnel();
      this.state = State.Pass;
      return next;
    }
    if (request.mayTunnel) this.exchange.stayHttp();
    const framing = head.framing;
    const plan = entry.plan;
    if (plan !== null && plan.abortOnResponse !== null) {
      this.state = State.Stopped;
      this.finish(plan.abortOnResponse.reset ? 'reset' : 'close');
      this.exchange.complete();
      return chunk.length;
    }
    const gate = plan !== null && plan.responseDelay > 0 ? this.ctx.now() + plan.responseDelay : -Infinity;
    if (gate !== this.gate) {
      this.flushRun();
      this.gate = gate;
    }
    if (plan !== null && plan.slowHeaders > 0) this.drip(this.gathered(), plan.slowHeaders);
    else this.passHead(chunk);
    this.truncateLeft = plan?.truncate?.bytes ?? -1;
    this.truncateReset = plan?.truncate?.reset ?? false;
    this.framing = framing;
    if (framing.kind === 'none') this.responseDone();
    else {
      this.state = State.Body;
      if (framing.kind === 'chunked') (this.scanner ??= new ChunkedScanner()).reset();
      if (framing.kind === 'length') this.remaining = framing.length;
    }
    return next;
  }

  /** Sends a header section (or a whole injected answer) a few bytes at a time, spread over `ms`. */
  private drip(head: Buffer, ms: number, from = this.gate): void {
    const pieces = Math.max(1, Math.min(head.length, Math.ceil(ms / DRIP_INTERVAL_MS)));
    const size = Math.ceil(head.length / pieces);
    const start = Math.max(this.ctx.now(), from);
    for (let i = 0, k = 1; i < head.length; i += size, k++) {
      this.out(head.subarray(i, Math.min(head.length, i + size)), start + (ms * k) / pieces);
    }
  }

  private body(chunk: Buffer, off: number): number {
    const framing = this.framing;
    if (framing.kind === 'chunked') {
      const found = (this.scanner as ChunkedScanner).scan(chunk, off, chunk.length);
      if (found === -2) return this.giveUp('malformed chunked response body', null, off);
      const end = found < 0 ? chunk.length : found;
      this.bodyOut(chunk, off, end);
      if (found >= 0 && this.state === State.Body) this.responseDone();
      return this.state === State.Stopped ? chunk.length : end;
    }
    if (framing.kind === 'close') {
      this.bodyOut(chunk, off, chunk.length);
      return chunk.length;
    }
    const n = Math.min(this.remaining, chunk.length - off);
    this.bodyOut(chunk, off, off + n);
    this.remaining -= n;
    if (this.remaining === 0 && this.state === State.Body) this.responseDone();
    return this.state === State.Stopped ? chunk.length : off + n;
  }

  private bodyOut(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (this.truncateLeft < 0 || n <= this.truncateLeft) {
      if (this.truncateLeft >= 0) this.truncateLeft -= n;
      this.pass(chunk, from, to);
      return;
    }
    this.out(chunk.subarray(from, from + this.truncateLeft));
    this.state = State.Stopped;
    this.exchange.complete();
    this.finish(this.truncateReset ? 'reset' : 'close');
  }

  private responseDone(): void {
    this.exchange.complete();
    this.state = State.Head;
    if (this.gate !== -Infinity) {
      this.flushRun();
      this.gate = -Infinity;
    }
    this.truncateLeft = -1;
  }

  private giveUp(reason: string, held: Buffer | null, next: number): number {
    this.exchange.stopFraming(reason);
    if (held !== null) this.out(held);
    return next;
  }

  /** Responses are not framed any more: a partial head, anything kept, and all that follows go through. */
  passThrough(): void {
    if (this.state === State.Stopped) return;
    this.state = State.Pass;
    this.releaseHeld();
  }

  /**
   * Answers queued here can no longer be placed: the response ahead of them cannot be framed.
   * Closing is the only way not to hand the client a wrong answer; it will retry.
   */
  closeAfterPassing(): void {
    if (this.state === State.Stopped) return;
    this.state = State.Stopped;
    this.finish('close');
  }

  /** See HttpExchange.closeWhenAnswered. */
  closeWhenAnswered(): void {
    this.closeWhenDone = true;
    if (this.state === State.Head && !this.busy) this.deliverInjected();
  }

  onEnd(): void {
    try {
      this.end();
    } catch (err) {
      this.exchange.internalError(err);
    }
  }

  private end(): void {
    this.upstreamEnded = true;
    if (this.state === State.Stopped) return;
    if (this.stash !== null) {
      const partial = this.stash;
      this.stash = null;
      this.out(partial);
    }
    if (this.state === State.Body && this.framing.kind === 'close') {
      // The close ended that response's body: nothing may follow it, or the client would read
      // it as more body. Answers still queued are dropped with the connection.
      this.responseDone();
      this.state = State.Stopped;
      this.finish('end');
      return;
    }
    if (this.state === State.Head) this.deliverInjected();
    else this.finish('end');
  }
}
