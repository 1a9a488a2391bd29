import type http from 'node:http';
import https from 'node:https';
import { seededRandom } from '../random.js';
import { ArrivalPlan } from './arrivals.js';
import { Http1Pool } from './http1-pool.js';
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
  /** The whole request, rendered once (plain http only; https goes through node:https). */
  bytes: Buffer | null;
  /** `host:port` of the plain-http pool it is sent on. */
  origin: string;
  /** Upper bound of this request's slice of [0, 1) in the weighted pick. */
  upTo: number;
}

/** A request in flight: when it was sent (for the timeout sweep) and how to give up on it. */
interface InFlight {
  sentAt: number;
  cancel(): void;
  settle(ok: boolean, status: string, timeout: boolean): void;
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
    const method = r.method.toUpperCase();
    const bytes = url.protocol === 'http:' ? render(method, url, headers, body) : null;
    return { url, options, method, headers, body, bytes, origin: `${options.hostname}:${url.port === '' ? 80 : url.port}`, upTo: acc };
  });
}

/** A request's bytes as node:http would send them, with the headers it adds itself. */
function render(method: string, url: URL, headers: Record<string, string>, body: Buffer | undefined): Buffer {
  const names = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`];
  if (!names.has('host')) lines.push(`Host: ${url.host}`);
  if (url.username !== '' && !names.has('authorization')) {
    lines.push(`Authorization: Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`);
  }
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body === undefined && !names.has('content-length') && (method === 'POST' || method === 'PUT' || method === 'PATCH')) lines.push('Content-Length: 0');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body === undefined ? head : Buffer.concat([head, body]);
}

/**
 * An open-model HTTP load generator. Each arrival has an intended time from the plan; the
 * scheduler sends every arrival that is due, late ones included, and latency is measured from
 * the intended time, so a stall shows up as the many slow requests users would have seen.
 * With `maxInFlight` requests outstanding, an arrival is dropped and counted, never queued.
 * Plain http goes over raw keep-alive sockets (Http1Pool); https through node:https.
 */
export class LoadGenerator {
  readonly stats = new LoadStats();
  private readonly prepared: Prepared[];
  private readonly pools = new Map<string, Http1Pool>();
  private readonly agent: https.Agent;
  private readonly random: () => number;
  private readonly isOk: (status: number) => boolean;
  /** Requests in flight, oldest first (a Map keeps insertion order), for the timeout sweep. */
  private readonly inFlight = new Map<InFlight, true>();
  private sweeper: NodeJS.Timeout | undefined;
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
    this.agent = new https.Agent({ keepAlive: true, noDelay: true, maxSockets: options.maxInFlight, maxFreeSockets: options.maxInFlight, scheduling: 'lifo' });
    for (const p of this.prepared) {
      if (p.bytes !== null && !this.pools.has(p.origin)) this.pools.set(p.origin, new Http1Pool(p.options.hostname as string, Number(p.url.port === '' ? 80 : p.url.port)));
    }
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
    // One timer sweeps timeouts for every request, instead of a timer per request.
    this.sweeper = setInterval(this.sweep, Math.max(5, Math.min(100, this.options.timeoutMs / 4)));
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
    const cut = [...this.inFlight.keys()];
    this.inFlight.clear();
    for (const request of cut) request.cancel();
    this.close();
    return this.done;
  }

  private settledAll: (() => void) | undefined;

  private close(): void {
    clearInterval(this.sweeper);
    for (const pool of this.pools.values()) pool.destroy();
    this.agent.destroy();
    this.finished();
  }

  private sweep = (): void => {
    const expired = this.elapsed() - this.options.timeoutMs;
    for (const request of this.inFlight.keys()) {
      if (request.sentAt > expired) break;
      request.settle(false, 'timeout', true);
      request.cancel();
    }
  };

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
    const inFlight = this.inFlight;
    const request: InFlight = {
      sentAt,
      cancel: noop,
      settle: (ok, status, timeout) => {
        // Settled already, or cut by stop(): a cut request is not a failure of the system under test.
        if (!inFlight.delete(request)) return;
        const end = this.elapsed();
        this.stats.noteDone(end, end - intended, end - sentAt, { ok, status, timeout });
        if (inFlight.size === 0) this.settledAll?.();
      },
    };
    inFlight.set(request, true);
    if (p.bytes !== null) {
      const pool = this.pools.get(p.origin) as Http1Pool;
      const conn = pool.request(p.bytes, p.method, (status, error) => {
        if (error === null) request.settle(this.isOk(status), String(status), false);
        else request.settle(false, error, false);
      });
      request.cancel = () => pool.abort(conn);
      return;
    }
    const req = https.request({ ...p.options, agent: this.agent }, (res) => {
      const status = res.statusCode ?? 0;
      res.on('data', noop);
      res.on('end', () => request.settle(this.isOk(status), String(status), false));
      res.on('error', () => request.settle(false, 'error', false));
    });
    req.on('error', (err: NodeJS.ErrnoException) => request.settle(false, err.code ?? 'error', false));
    request.cancel = () => req.destroy();
    req.end(p.body);
  }
}

function noop(): void {}
