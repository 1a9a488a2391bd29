import type http from 'node:http';
import https from 'node:https';
import { seededRandom } from '../random.js';
import { ArrivalPlan } from './arrivals.js';
import { Http1Pool, type PooledConnection } from './http1-pool.js';
import { InFlight, type Pending } from './in-flight.js';
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
  /**
   * Connections per origin (plain http); default `maxInFlight`, so each request has one to
   * itself. Past it, requests are pipelined on the open ones.
   */
  connections?: number | undefined;
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
  /** The raw-socket pool of its origin (plain http), set by the generator. */
  pool: Http1Pool<Pending> | null;
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
    return { url, options, method, headers, body, bytes, origin: `${options.hostname}:${url.port === '' ? 80 : url.port}`, upTo: acc, pool: null };
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
  private readonly pools = new Map<string, Http1Pool<Pending>>();
  private readonly agent: https.Agent;
  private readonly random: () => number;
  private readonly isOk: (status: number) => boolean;
  /** Requests in flight, oldest first, for the timeout sweep. */
  private readonly inFlight = new InFlight();
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
    const connections = Math.max(1, options.connections ?? options.maxInFlight);
    for (const p of this.prepared) {
      if (p.bytes !== null && !this.pools.has(p.origin)) {
        this.pools.set(p.origin, new Http1Pool<Pending>(p.options.hostname as string, Number(p.url.port === '' ? 80 : p.url.port), connections, this.answered));
      }
      p.pool = p.bytes === null ? null : (this.pools.get(p.origin) as Http1Pool<Pending>);
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

  /** Open plain-http connections, over every origin. */
  get connections(): number {
    let n = 0;
    for (const pool of this.pools.values()) n += pool.connections;
    return n;
  }

  start(): void {
    this.t0 = performance.now();
    // One timer sweeps timeouts for every request, instead of a timer per request.
    this.sweeper = setInterval(this.sweep, Math.max(5, Math.min(100, this.options.timeoutMs / 4)));
    this.send();
  }

  /** Stops sending; requests in flight get `graceMs` to finish, then are cut (not counted). */
  async stop(graceMs = 1000): Promise<void> {
    if (this.stopped) return this.done;
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.inFlight.size > 0) {
      await Promise.race([new Promise<void>((r) => (this.settledAll = r)), new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    // A cut request is not a failure of the system under test: every one leaves the list
    // before any is cancelled, so those pipelined behind a cancelled one are not counted either.
    const cut: Pending[] = [];
    for (let p = this.inFlight.head; p !== null; p = this.inFlight.head) {
      cut.push(p);
      this.inFlight.remove(p);
    }
    for (const p of cut) p.cancel?.(p);
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
    for (let p = this.inFlight.head; p !== null && p.sentAt <= expired; p = this.inFlight.head) {
      this.settle(p, false, 'timeout', true);
      // Out of the list but not reused (nothing is sent before the cancel returns): the pool
      // finds it by identity on its connection.
      p.cancel?.(p);
    }
  };

  /**
   * The timer only schedules the sending for after the poll phase (setImmediate): after a
   * stall, answers already waiting in the kernel free their connections first, so the arrivals
   * owed go out on warm connections instead of opening a burst of new ones.
   */
  private tick = (): void => {
    this.timer = undefined;
    setImmediate(this.send);
  };

  private send = (): void => {
    if (this.stopped) return;
    const now = this.elapsed();
    let due = this.options.plan.timeOf(this.next);
    if (due <= now) {
      for (const pool of this.pools.values()) pool.batch();
      while (due <= now) {
        this.fire(due);
        due = this.options.plan.timeOf(++this.next);
      }
      for (const pool of this.pools.values()) pool.flush();
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
    const pending = this.inFlight.add(intended, this.elapsed(), p.method);
    if (p.pool !== null) {
      pending.cancel = abortPooled;
      pending.conn = p.pool.request(pending, p.bytes as Buffer);
      return;
    }
    const generation = pending.generation;
    const settle = (ok: boolean, status: string): void => {
      if (pending.generation === generation) this.settle(pending, ok, status, false);
    };
    const req = https.request({ ...p.options, agent: this.agent }, (res) => {
      const status = res.statusCode ?? 0;
      res.on('data', noop);
      res.on('end', () => settle(this.isOk(status), String(status)));
      res.on('error', () => settle(false, 'error'));
    });
    req.on('error', (err: NodeJS.ErrnoException) => settle(false, err.code ?? 'error'));
    pending.cancel = () => req.destroy();
    req.end(p.body);
  }

  /** A pooled request's end (the pool's callback). */
  private answered = (p: Pending, status: number, error: string | null): void => {
    if (error === null) this.settle(p, this.isOk(status), statusText(status), false);
    else this.settle(p, false, error, false);
  };

  private settle(p: Pending, ok: boolean, status: string, timeout: boolean): void {
    // Settled already, or cut by stop().
    if (!p.linked) return;
    const intended = p.intended;
    const sentAt = p.sentAt;
    this.inFlight.remove(p);
    const end = this.elapsed();
    this.stats.noteDone(end, end - intended, end - sentAt, ok, status, timeout);
    if (this.inFlight.size === 0) this.settledAll?.();
  }
}

function abortPooled(p: Pending): void {
  const conn = p.conn as PooledConnection<Pending>;
  conn.pool.abort(conn, p);
}

/** Status codes as the strings the results are keyed by, made once each. */
const statusTexts: string[] = [];
function statusText(status: number): string {
  return (statusTexts[status] ??= String(status));
}

function noop(): void {}
