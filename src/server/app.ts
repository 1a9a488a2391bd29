import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { parseJsonBody } from '../api/decode.js';
import { ApiError, unauthorized } from '../api/errors.js';
import { LEASE_HEADER } from '../api/lease.js';
import { bodyTooLarge, LIMITS } from '../api/limits.js';
import { FAULTLINE_VERSION } from '../api/version.js';
import type { Logger } from '../proxy/logger.js';
import { hasToken } from './access.js';
import { Dashboard } from './dashboard.js';
import { handlers, type Reply } from './handlers.js';
import { requestId } from './request-id.js';
import { matchRoute } from './router.js';
import { PopulateError, type ProxyCollection } from './state.js';

const TEXT = 'text/plain; charset=utf-8';

/**
 * After a 413 the rest of an oversized body is read and dropped, so the client, still sending,
 * receives the answer rather than a reset (closing with unread bytes makes the kernel send RST).
 * Past this much more, or this long, the connection is cut.
 */
const DISCARD_BYTES = 64 * 1024 * 1024;
const DISCARD_MS = 10_000;

function discardRest(req: IncomingMessage): void {
  let dropped = 0;
  const timer = setTimeout(() => req.socket.destroy(), DISCARD_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_BYTES) req.socket.destroy();
  });
  req.on('close', () => clearTimeout(timer));
  req.resume();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > LIMITS.bodyBytes) {
      discardRest(req);
      reject(bodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > LIMITS.bodyBytes) {
        req.off('data', onData);
        chunks.length = 0;
        discardRest(req);
        reject(bodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, contentType?: string): void {
  const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(body) };
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  if (contentType === TEXT) headers['X-Content-Type-Options'] = 'nosniff';
  res.writeHead(status, headers);
  res.end(body);
}

function sendReply(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  if ('stream' in reply) reply.stream(req, res);
  else if ('json' in reply) {
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    send(res, reply.status, JSON.stringify(reply.json), 'application/json');
  }
  else if ('text' in reply) send(res, reply.status, reply.text, reply.contentType);
  else send(res, 204, '');
}

/** Errors as Toxiproxy writes them: JSON with a newline, served as text (Go's http.Error). */
function sendError(res: ServerResponse, err: ApiError): void {
  send(res, err.status, `${JSON.stringify(err.toJSON())}\n`, TEXT);
}

/** Populate's errors are plain JSON and also list the proxies done before the failure. */
function sendPopulateError(res: ServerResponse, err: PopulateError): void {
  const body = { error: err.apiError.message, status: err.apiError.status, proxies: err.proxies };
  send(res, err.apiError.status, JSON.stringify(body), 'application/json');
}

export interface AppOptions {
  /** When set, every API call must carry `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** The web dashboard at /ui; null when switched off. */
  dashboard?: Dashboard | null;
}

/** `metrics` makes the registry on first use (null: no /metrics). */
export function createApp(state: ProxyCollection, logger: Logger, metrics: (() => Promise<Registry>) | null, options: AppOptions = {}) {
  const { token, dashboard = null } = options;

  /** The API proper. `fromDashboard`: the dashboard has vouched for this browser already. */
  async function api(req: IncomingMessage, res: ServerResponse, path: string, search: string, fromDashboard: boolean): Promise<void> {
    const started = performance.now();
    const match = matchRoute(req.method ?? 'GET', path);
    if (match === 404) return send(res, 404, '404 page not found\n', TEXT);
    if (match === 405) return send(res, 405, '');

    const id = requestId();
    res.setHeader('X-Toxiproxy-Request-Id', id);
    res.setHeader('X-Faultline-Version', FAULTLINE_VERSION);
    // Toxiproxy's guard against a web page driving the API from a browser (CSRF).
    if (!fromDashboard && req.headers['user-agent']?.startsWith('Mozilla/') === true) {
      return send(res, 403, 'User agent not allowed\n', TEXT);
    }
    if (token !== undefined && !fromDashboard && !hasToken(req, token)) return sendError(res, unauthorized());

    try {
      const text = req.method === 'POST' || req.method === 'PATCH' ? await readBody(req) : '';
      let parsed: { value: unknown } | undefined;
      const body = (): unknown => (parsed ??= { value: parseJsonBody(text) }).value;
      const query = new URLSearchParams(search);
      const leaseHeader = req.headers[LEASE_HEADER];
      const lease = typeof leaseHeader === 'string' && leaseHeader !== '' ? leaseHeader : undefined;
      sendReply(req, res, await handlers[match.route.name]({ params: match.params, body, state, metrics, query, lease }));
    } catch (err) {
      if (err instanceof PopulateError) sendPopulateError(res, err);
      else if (err instanceof ApiError) sendError(res, err);
      else {
        logger.error({ err, request_id: id }, 'Unexpected error in API handler');
        sendError(res, new ApiError(500, 'INTERNAL', (err as Error).message));
      }
    } finally {
      logger.debug(
        {
          request_id: id,
          method: req.method,
          url: req.url,
          handler: match.route.name,
          status: res.statusCode,
          duration: Math.round((performance.now() - started) * 1000) / 1000,
        },
        'Request',
      );
    }
  }

  return async function app(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [path = '/', search = ''] = (req.url ?? '/').split('?', 2);
    if (dashboard !== null && Dashboard.matches(path)) {
      try {
        await dashboard.serve(req, res, path, search, (r, s, p, q) => api(r, s, p, q, true));
      } catch (err) {
        logger.error({ err }, 'Unexpected error serving the dashboard');
        if (!res.headersSent) send(res, 500, 'dashboard: internal error\n', TEXT);
      }
      return;
    }
    return api(req, res, path, search, false);
  };
}
