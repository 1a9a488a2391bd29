import http from 'node:http';
import https from 'node:https';
import { seededRandom } from '../random.js';
import { ArrivalPlan } from './arrivals.js';
import { LoadStats } from './stats.js';

export interface LoadRequest {
  url: string;
  method: string;
  headers?: Record<string, string> | undefined;
  body?: unknown;
  weight: number;
}

export interface LoadOptions {
  requests: readonly LoadRequest[];
  plan: ArrivalPlan;
  maxInFlight: number;
  timeoutMs: number;
  seed: number;
  /** Whether a status counts as success; default 200–399, as k6's http_req_failed. */
  isOk?: (status: number) => boolean;
}

interface Prepared {
  url: URL;
  /** Built once: http.request would otherwise convert the URL on every call. */
  options: http.RequestOptions;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** Upper bound of this request's slice of [0, 1) in the weighted pick. */
  upTo: number;
}

function prepare(requests: readonly LoadRequest[]): Prepared[] {
  const total = requests.reduce((sum, r) => sum + r.weight, 0);
  let acc = 0;
  return requests.map((r) => {
    acc += r.weight / total;
    const headers: Record<string, string> = { ...r.headers };
    let body: Buffer | undefined;
    if (r.body !== undefined) {
      body = Buffer.from(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
      if (typeof r.body !== 'string' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }
    const url = new URL(r.url);
    const options: http.RequestOptions = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: r.method.toUpperCase(),
      headers,
      ...(url.username === '' ? {} : { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }),
    };
    return { url, options, method: r.method.toUpperCase(), headers, body, upTo: acc };
  });
}

/**
 * An open-model HTTP load generator. Each arrival has an intended time from the plan; the
 * scheduler sends every arrival that is due, late ones included, and latency is measured from
 * the intended time, so a stall shows up as the many slow requests users would have seen.
 * With `maxInFlight` requests outstanding, an arrival is dropped and counted, never queued.
 */
export class LoadGenerator {
  readonly stats = new LoadStats();
  private readonly prepared: Prepared[];
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly random: () => number;
  private readonly isOk: (status: number) => boolean;
  /** Each request in flight with its timeout timer. */
  private readonly inFlight = new Map<http.ClientRequest, NodeJS.Timeout>();
  private t0 = 0;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private finished!: () => void;
  /** Resolves when every arrival was offered and every request settled, or after stop(). */
  readonly done: Promise<void>;

  constructor(private readonly options: LoadOptions) {
    this.prepared = prepare(options.requests);
    // One socket per request in flight: keep-alive reuses them, and the cap is ours, not the agent's queue.
    const agentOptions = { keepAlive: true, noDelay: true, maxSockets: options.maxInFlight, maxFreeSockets: options.maxInFlight, scheduling: 'lifo' as const };
    this.agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
    this.random = seededRandom(options.seed);
    this.isOk = options.isOk ?? ((s) => s >= 200 && s < 400);
    this.done = new Promise((resolve) => (this.finished = resolve));
  }

  /** Milliseconds since start(). */
  elapsed(): number {
    return performance.now() - this.t0;
  }

  get startedAt(): number {
    return this.t0;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.t0 = performance.now();
    this.tick();
  }

  /** Stops sending; requests in flight get `graceMs` to finish, then are cut (not counted). */
  async stop(graceMs = 1000): Promise<void> {
    if (this.stopped) return this.done;
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.inFlight.size > 0) {
      await Promise.race([new Promise<void>((r) => this.settledAll = r), new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    const cut = [...this.inFlight];
    this.inFlight.clear();
    for (const [req, timer] of cut) {
      clearTimeout(timer);
      req.destroy();
    }
    this.close();
    return this.done;
  }

  private settledAll: (() => void) | undefined;

  private close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
    this.finished();
  }

  private tick = (): void => {
    if (this.stopped) return;
    const now = this.elapsed();
    let due = this.options.plan.timeOf(this.next);
    while (due <= now) {
      this.fire(due);
      due = this.options.plan.timeOf(++this.next);
    }
    if (due === Infinity) {
      this.stopped = true;
      if (this.inFlight.size === 0) this.close();
      else this.settledAll = () => this.close();
      return;
    }
    this.timer = setTimeout(this.tick, Math.max(0, due - this.elapsed()));
  };

  private pick(): Prepared {
    if (this.prepared.length === 1) return this.prepared[0] as Prepared;
    const r = this.random();
    return this.prepared.find((p) => r < p.upTo) ?? (this.prepared.at(-1) as Prepared);
  }

  private fire(intended: number): void {
    if (this.inFlight.size >= this.options.maxInFlight) {
      this.stats.noteOffered(intended, true);
      return;
    }
    this.stats.noteOffered(intended, false);
    const p = this.pick();
    const sentAt = this.elapsed();
    const mod = p.url.protocol === 'https:' ? https : http;
    const finish = (ok: boolean, status: string, timeout: boolean): void => {
      // Settled already, or cut by stop(): a cut request is not a failure of the system under test.
      if (!this.inFlight.has(req)) return;
      clearTimeout(this.inFlight.get(req));
      this.inFlight.delete(req);
      const end = this.elapsed();
      this.stats.noteDone(end, end - intended, end - sentAt, { ok, status, timeout });
      if (this.inFlight.size === 0) this.settledAll?.();
    };
    const req = mod.request({ ...p.options, agent: p.url.protocol === 'https:' ? this.agents.https : this.agents.http }, (res) => {
      const status = res.statusCode ?? 0;
      res.on('data', noop);
      res.on('end', () => finish(this.isOk(status), String(status), false));
      res.on('error', () => finish(false, 'error', false));
    });
    const timer = setTimeout(() => {
      finish(false, 'timeout', true);
      req.destroy();
    }, this.options.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? 'error', false));
    this.inFlight.set(req, timer);
    req.end(p.body);
  }
}

function noop(): void {}
