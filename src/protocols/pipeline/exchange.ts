import type { ToxicEntry } from '../../proxy/toxic-entry.js';
import type { StageContext } from '../../toxics/types.js';
import { decide, type Plan } from '../decide.js';
import { ExchangeScope } from '../exchange-scope.js';
import type { MessageHost } from '../host.js';
import { describeVerdict, type Verdict } from '../message.js';
import type { Codec, CodecRequest } from './codec.js';
import { Fate, PipelineFifo, type PipelineEntry } from './fifo.js';
import { ReplyStage } from './reply-stage.js';
import { RequestStage } from './request-stage.js';

/**
 * One connection's message layer for a protocol whose replies come back in request order
 * (Redis, memcached, PostgreSQL, MySQL): the request stage (client → upstream), the reply
 * stage (upstream → client) and, between them, the FIFO that pairs each reply with its request,
 * so an injected answer takes exactly the place of the reply it replaces. The codec knows the
 * protocol's bytes; this class knows the order.
 */
export class PipelineExchange extends ExchangeScope {
  readonly fifo = new PipelineFifo();
  readonly requests: RequestStage;
  readonly replies: ReplyStage;
  private numbered = 0;
  private framing = true;
  /** Requests go through unframed (the request side gave up); replies are paired until the FIFO drains. */
  unframedRequests = false;
  private opened = false;

  constructor(
    readonly protocol: string,
    host: MessageHost,
    readonly codec: Codec,
    upstreamCtx: StageContext,
    downstreamCtx: StageContext,
  ) {
    super(host);
    this.requests = new RequestStage(this, upstreamCtx);
    this.replies = new ReplyStage(this, downstreamCtx);
  }

  protected override describe(verdict: Verdict): string {
    return verdict.kind === 'answer' ? this.codec.describe(verdict.reply) : describeVerdict(verdict);
  }

  /** The next request number, taken only by requests of their own. */
  nextNumber(): number {
    return this.numbered + 1;
  }

  /**
   * The session's opening request (MySQL's greeting), decided before either side frames
   * anything; called by both stages on their first event, so it runs once the host is ready.
   */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    const view = this.codec.opening();
    if (view === null) return;
    const entry = this.entry(view);
    // The server's greeting arrives whatever was decided: when it is not the reply, the
    // connection cannot go on, so an answer or an abort there ends it.
    if (entry.fate === Fate.Answer) entry.close = true;
    this.enqueue(entry);
  }

  /** A request was identified: decides its fate. `view.number` was taken from nextNumber(). */
  entry(view: CodecRequest): PipelineEntry {
    this.numbered = view.number;
    if (view.localAnswer !== undefined) {
      return { view, fate: Fate.Answer, plan: null, answer: view.localAnswer, close: false, reset: false, readyAt: -Infinity, delayed: false, next: null };
    }
    let plan: Plan | null = null;
    const toxics = this.host.requestToxics();
    if (toxics.length > 0) plan = decide(view.opening === true ? namingOpening(toxics, view.method) : toxics, view, this);
    const entry: PipelineEntry = { view, fate: Fate.Forward, plan, answer: null, close: false, reset: false, readyAt: -Infinity, delayed: false, next: null };
    if (plan === null) return entry;
    const now = this.now();
    if (plan.requestDelay > 0) entry.readyAt = now + plan.requestDelay;
    const terminal = plan.terminal;
    if (terminal === null) return entry;
    // An answer given here is also the reply: a response delay holds it too.
    if (plan.responseDelay > 0) entry.readyAt = Math.max(entry.readyAt, now) + plan.responseDelay;
    const fate = terminal.kind === 'answer' ? Fate.Answer : terminal.kind === 'hang' ? Fate.Hang : Fate.Abort;
    const decided: PipelineEntry = { ...entry, fate };
    if (terminal.kind === 'answer') {
      const rendered = this.codec.render(terminal.reply, view, plan.terminalBy);
      decided.answer = rendered.bytes;
      decided.close = rendered.close;
    } else if (terminal.kind === 'abort') {
      decided.close = true;
      decided.reset = terminal.reset;
    }
    return decided;
  }

  /** Queues a request that awaits a reply; the reply side acts on injected ones at once. */
  enqueue(entry: PipelineEntry): void {
    this.fifo.push(entry);
    this.replies.entryQueued();
  }

  /** The reply to the FIFO's head has gone out. */
  complete(): void {
    this.fifo.shift();
  }

  /**
   * The request side cannot frame what follows: requests go through unframed from now on. The
   * reply side goes on pairing the requests already queued — an answer waiting there still goes
   * out in its turn — and passes through once they are done.
   */
  stopFramingRequests(reason: string): void {
    if (!this.framing) return;
    this.framing = false;
    this.unframedRequests = true;
    this.host.framingStopped(reason);
    if (!this.requests.passThrough()) this.replies.closeWhenAnswered();
    else if (this.fifo.length === 0) this.replies.passThrough();
  }

  /** Upstream bytes with no request queued for them: replies to unframed requests, or stray bytes. */
  repliesUnpaired(reason: string): void {
    if (this.unframedRequests) this.replies.passThrough();
    else this.stopFraming(reason);
  }

  /**
   * Stops framing for good, on both sides, and says why once. Answers still queued cannot be
   * placed among replies that are not framed, so then the connection is closed once what came
   * is out.
   */
  stopFraming(reason: string): void {
    if (!this.framing && !this.unframedRequests) return;
    if (this.framing) this.host.framingStopped(reason);
    this.framing = false;
    this.unframedRequests = true;
    const pendingAnswer = this.fifo.hasInjected();
    this.fifo.clear();
    const requestsLost = !this.requests.passThrough();
    this.replies.passThrough();
    if (pendingAnswer || requestsLost) this.replies.closeAfterPassing();
  }

  /** The request side dropped what follows a request: close once the answers before it are out. */
  closeWhenAnswered(): void {
    this.replies.closeWhenAnswered();
  }

  /** A codec threw: report it, and reset the connection rather than guess at its bytes. */
  internalError(err: unknown): void {
    this.framing = false;
    this.unframedRequests = false;
    this.host.framingStopped(`internal error: ${(err as Error)?.message ?? String(err)}`);
    this.requests.abandon();
    this.replies.abandon();
  }

  dispose(): void {
    this.fifo.clear();
  }
}

/** At a session's opening, only toxics that name it (`keyword: STARTUP`) are asked. */
function namingOpening(toxics: readonly ToxicEntry[], name: string): ToxicEntry[] {
  const upper = name.toUpperCase();
  return toxics.filter((t) => {
    const a = t.attributes as { keyword?: string | string[]; command?: string | string[] };
    for (const names of [a.keyword, a.command]) {
      if (names === undefined) continue;
      for (const n of Array.isArray(names) ? names : [names]) if (n.toUpperCase() === upper) return true;
    }
    return false;
  });
}
