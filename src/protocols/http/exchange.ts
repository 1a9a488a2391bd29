import type { StageContext } from '../../toxics/types.js';
import { addVerdict, decide, emptyPlan, type Plan } from '../decide.js';
import { ExchangeScope } from '../exchange-scope.js';
import type { HeaderFaultGate, MessageHost } from '../host.js';
import { describeVerdict, type Verdict } from '../message.js';
import { ENVOY_TOXIC, envoyVerdicts } from './envoy.js';
import type { RequestHead } from './head.js';
import { renderReply, type HttpReply } from './reply.js';
import { HttpRequestView } from './request-view.js';
import { RequestFramer } from './request-framer.js';
import { ResponseFramer } from './response-framer.js';

/** One request on the connection, from its head until its response has gone out. */
export interface HttpEntry {
  readonly view: HttpRequestView;
  /** What toxics decided; null when none acted (the common case). */
  readonly plan: Plan | null;
  /** The injected answer, when the request is answered here. */
  reply: Buffer | null;
  /** When an answer or an abort may go out (after a held request's delay). */
  readyAt: number;
  /** The cap a header-requested fault was counted against until it completes; null if none. */
  headerFault: HeaderFaultGate | null;
  /** The connection closes after this entry's answer. */
  close: boolean;
  /** The next request in the FIFO. */
  next: HttpEntry | null;
}

/**
 * The requests awaiting their response, oldest first. A linked list through the entries: an
 * HTTP connection rarely has more than one outstanding, and this allocates nothing to queue it.
 */
export class Fifo {
  private first: HttpEntry | null = null;
  private last: HttpEntry | null = null;
  length = 0;

  peek(): HttpEntry | undefined {
    return this.first ?? undefined;
  }

  push(entry: HttpEntry): void {
    if (this.last === null) this.first = entry;
    else this.last.next = entry;
    this.last = entry;
    this.length++;
  }

  shift(): HttpEntry | undefined {
    const entry = this.first;
    if (entry === null) return undefined;
    this.first = entry.next;
    if (this.first === null) this.last = null;
    entry.next = null;
    this.length--;
    return entry;
  }
}

/**
 * One HTTP connection's message layer: the request framer (client → upstream), the response
 * framer (upstream → client) and, between them, the FIFO that pairs each response with its
 * request, so an injected answer takes exactly the place of the response it replaces.
 */
export class HttpExchange extends ExchangeScope {
  readonly fifo = new Fifo();
  readonly request: RequestFramer;
  readonly response: ResponseFramer;
  private requests = 0;
  private framing = true;
  /** Requests go through unframed (the request side gave up); responses are paired until the FIFO drains. */
  private unframedRequests = false;

  constructor(
    host: MessageHost,
    upstreamCtx: StageContext,
    downstreamCtx: StageContext,
  ) {
    super(host);
    this.request = new RequestFramer(this, upstreamCtx);
    this.response = new ResponseFramer(this, downstreamCtx);
  }

  /** A request's head arrived: decides what happens to it and queues it. */
  open(head: RequestHead): HttpEntry {
    const view = new HttpRequestView(++this.requests, head);
    let plan: Plan | null = null;
    let headerFault: HeaderFaultGate | null = null;
    const gate = this.host.headerFaults;
    if (gate !== null && head.envoyHeaders) {
      const verdicts = envoyVerdicts(head, gate);
      if (verdicts !== null) {
        headerFault = gate;
        plan = emptyPlan();
        for (const verdict of verdicts) {
          addVerdict(plan, verdict, ENVOY_TOXIC);
          this.host.faultFired({ request: view.number, method: view.method, path: view.path, toxic: ENVOY_TOXIC, type: 'envoy', match: 0, action: describeVerdict(verdict) });
        }
      }
    }
    if (plan?.terminal == null) {
      const toxics = this.host.requestToxics();
      if (toxics.length > 0) {
        const more = decide(toxics, view, this);
        if (more !== null) plan = plan === null ? more : merge(plan, more);
      }
    }
    const entry: HttpEntry = { view, plan, reply: null, readyAt: -Infinity, headerFault, close: false, next: null };
    if (plan !== null && plan.requestDelay > 0) entry.readyAt = this.now() + plan.requestDelay;
    // An answer given here is also the response: a response delay holds it too.
    if (plan !== null && plan.terminal !== null && plan.responseDelay > 0) entry.readyAt = Math.max(entry.readyAt, this.now()) + plan.responseDelay;
    return entry;
  }

  /** Builds the answer for an entry answered here; `close` when the connection must end after it. */
  answer(entry: HttpEntry, verdict: Extract<Verdict, { kind: 'answer' }>, close: boolean): void {
    // An interim status as the answer would leave the client waiting for a final one.
    const status = Number(verdict.reply.status);
    entry.close = close || (status >= 100 && status < 200);
    entry.reply = renderReply(verdict.reply as unknown as HttpReply, entry.view.head, entry.plan?.terminalBy ?? '', entry.close);
  }

  /** Queues a request whose head has been decided; the response side acts on injected ones at once. */
  enqueue(entry: HttpEntry): void {
    this.fifo.push(entry);
    this.response.entryQueued();
  }

  /** The response to the FIFO's head has gone out. */
  complete(): void {
    const entry = this.fifo.shift();
    entry?.headerFault?.finish();
  }

  /** 101 or a 2xx to CONNECT: both directions carry another protocol from now on. */
  tunnel(): void {
    this.framing = false;
    this.request.becomeTunnel();
  }

  /** The upgrade was refused: the request side frames what it kept. */
  stayHttp(): void {
    this.request.resumeFraming();
  }

  /**
   * The request side cannot frame what follows: requests go through unframed from now on. The
   * response side goes on pairing the requests already queued — an answer waiting there still
   * goes out in its turn — and passes through once they are done.
   */
  stopFramingRequests(reason: string): void {
    if (!this.framing) return;
    this.framing = false;
    this.unframedRequests = true;
    this.host.framingStopped(reason);
    this.request.passThrough();
    if (this.fifo.length === 0) this.response.passThrough();
  }

  /** Upstream bytes with no request queued for them: responses to unframed requests, or stray bytes. */
  responsesUnpaired(reason: string): void {
    if (this.unframedRequests) this.response.passThrough();
    else this.stopFraming(reason);
  }

  /**
   * Stops framing for good, on both sides, and says why once. Answers still queued behind the
   * response that could not be framed cannot be placed, so then the connection is closed.
   */
  stopFraming(reason: string): void {
    if (!this.framing && !this.unframedRequests) return;
    if (this.framing) this.host.framingStopped(reason);
    this.framing = false;
    this.unframedRequests = true;
    this.request.passThrough();
    this.response.passThrough();
    let pendingAnswer = false;
    for (let entry = this.fifo.peek(); entry !== undefined; entry = entry.next ?? undefined) {
      if (entry.plan?.terminal != null) pendingAnswer = true;
    }
    while (this.fifo.length > 0) this.complete();
    if (pendingAnswer) this.response.closeAfterPassing();
  }

  /** The request side dropped what follows an answered request: close once the answers are out. */
  closeWhenAnswered(): void {
    this.response.closeWhenAnswered();
  }

  /** A framer threw: report it, and reset the connection rather than guess at its bytes. */
  internalError(err: unknown): void {
    this.framing = false;
    this.host.framingStopped(`internal error: ${(err as Error)?.message ?? String(err)}`);
    this.request.abandon();
    this.response.abandon();
  }

  dispose(): void {
    while (this.fifo.length > 0) this.complete();
  }
}

function merge(a: Plan, b: Plan): Plan {
  return {
    terminal: a.terminal ?? b.terminal,
    terminalBy: a.terminal !== null ? a.terminalBy : b.terminalBy,
    requestDelay: a.requestDelay + b.requestDelay,
    responseDelay: a.responseDelay + b.responseDelay,
    abortOnResponse: a.abortOnResponse ?? b.abortOnResponse,
    truncate: a.truncate ?? b.truncate,
    slowHeaders: Math.max(a.slowHeaders, b.slowHeaders),
  };
}
