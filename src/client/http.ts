import { FAULTLINE_VERSION } from '../api/version.js';
import { apiTokenFromEnvironment } from './environment.js';
import { FaultlineError } from './errors.js';

/** What a transport needs from an HTTP stack: one request, its status and body text. */
export type Send = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
) => Promise<{ status: number; text: string }>;

/** The runtime's fetch: browsers, Deno, Bun and Node alike. */
export const fetchSend: Send = async (url, init) => {
  const res = await fetch(url, {
    method: init.method,
    headers: init.headers,
    ...(init.body === undefined ? {} : { body: init.body }),
    signal: AbortSignal.timeout(init.timeoutMs),
  });
  return { status: res.status, text: await res.text() };
};

export interface ClientOptions {
  /**
   * How requests are sent; default the runtime's fetch. Node programs that start often (the
   * CLI) pass `nodeSend` from `faultline/node-send`: loading fetch costs Node about 40 MB and a
   * third of a second the first time.
   */
  send?: Send;
  /** Per-request time limit; default 10 s. */
  timeoutMs?: number;
  /** Sent as User-Agent. Must not start with `Mozilla/`: the server refuses browsers. */
  userAgent?: string;
  /** Sent with every request, e.g. faultline's X-Faultline-Lease. */
  headers?: Record<string, string>;
  /**
   * The server's API token (`faultline server --api-token`), sent as `Authorization: Bearer`.
   * Defaults to FAULTLINE_API_TOKEN; `null` sends none even when that is set.
   */
  token?: string | null;
}

/** The server's JSON error body, `{"error": "...", "status": N}`, or its plain text. */
function messageOf(text: string, status: number): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: a 403 or a proxy in between; use the text as it is
  }
  return text.trim() === '' ? `HTTP ${status}` : text.trim();
}

/** JSON over HTTP with the server's errors turned into FaultlineError. Uses the runtime's fetch. */
export class Transport {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly extraHeaders: Record<string, string>;
  private readonly send: Send;

  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.send = options.send ?? fetchSend;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.userAgent = options.userAgent ?? `faultline-client/${FAULTLINE_VERSION}`;
    const token = options.token === undefined ? apiTokenFromEnvironment() : options.token;
    this.extraHeaders = { ...options.headers, ...(token == null || token === '' ? {} : { Authorization: `Bearer ${token}` }) };
  }

  /** A body that is not JSON, such as /metrics. */
  async requestText(method: string, path: string): Promise<string> {
    return this.request<string>(method, path, undefined, true);
  }

  async request<T>(method: string, path: string, body?: unknown, raw = false): Promise<T> {
    const url = this.baseUrl + path;
    const headers: Record<string, string> = { ...this.extraHeaders, 'User-Agent': this.userAgent };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: { status: number; text: string };
    try {
      res = await this.send(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), timeoutMs: this.timeoutMs });
    } catch (err) {
      const reason = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new FaultlineError(`cannot reach server at ${this.baseUrl}: ${reason}`, 0, method, url, { cause: err });
    }
    const text = res.text;
    if (res.status < 200 || res.status > 299) throw new FaultlineError(messageOf(text, res.status), res.status, method, url);
    if (raw) return text as T;
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}
