import type { IncomingMessage, ServerResponse } from 'node:http';
import { crossSiteReason, hasToken, sameSecret } from './access.js';

/** The header carrying the per-server secret on the dashboard's calls to the API. */
export const DASHBOARD_SECRET_HEADER = 'x-faultline-dashboard';
export const DASHBOARD_PREFIX = '/ui';
const API_PREFIX = '/ui/api/';

/**
 * Built by `npm run build` (scripts/build-dashboard.ts) beside the compiled server. The single
 * executable has no files beside it (its bundle defines import.meta.url as undefined): there the
 * page answers that it is not built, as a checkout that was never built does.
 */
const ASSETS: URL | null = typeof import.meta.url === 'string' ? new URL('../dashboard/public/', import.meta.url) : null;
const FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/**
 * Headers that keep the page from being framed by another site (clickjacking), from loading
 * anything from elsewhere, and from leaking its address; the page needs nothing beyond itself.
 */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

export type ApiDispatch = (req: IncomingMessage, res: ServerResponse, path: string, search: string) => Promise<void>;

export interface DashboardOptions {
  /** The Host values this server answers to, known once it listens. */
  hosts: () => ReadonlySet<string>;
  token: string | undefined;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...PAGE_HEADERS, ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const escapeAttr = (text: string): string => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The web dashboard: its files, and the way in to the API for it. Toxiproxy's routes keep
 * refusing browsers; the page calls the same routes under /ui/api/, where a browser is let in
 * only from this server's own address and with the secret written into the page it was served.
 */
export class Dashboard {
  /** Fresh at each start: a page from an earlier run, or any other site, does not know it. */
  #secret: string | undefined;
  /** Made with the first page or API call that needs it; random from the platform's CSPRNG. */
  get secret(): string {
    return (this.#secret ??= Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString('base64url'));
  }

  /** The built files, read once: they do not change while the server runs. */
  private readonly files = new Map<string, Promise<Buffer>>();

  constructor(private readonly options: DashboardOptions) {}

  private read(name: string): Promise<Buffer> {
    let file = this.files.get(name);
    if (file === undefined) {
      file = ASSETS === null ? Promise.reject(new Error('no dashboard files in this build')) : import('node:fs/promises').then(({ readFile }) => readFile(new URL(name, ASSETS)));
      // A missing build is looked for again next time, so building while it runs is enough.
      file.catch(() => this.files.delete(name));
      this.files.set(name, file);
    }
    return file;
  }

  static matches(path: string): boolean {
    return path === DASHBOARD_PREFIX || path.startsWith(`${DASHBOARD_PREFIX}/`);
  }

  async serve(req: IncomingMessage, res: ServerResponse, path: string, search: string, api: ApiDispatch): Promise<void> {
    const refused = crossSiteReason(req, this.options.hosts());
    if (refused !== undefined) return send(res, 403, `dashboard: refused ${refused}\n`, 'text/plain; charset=utf-8');
    if (path.startsWith(API_PREFIX)) {
      const token = this.options.token;
      if (token !== undefined && !hasToken(req, token)) {
        return send(res, 401, `${JSON.stringify({ error: 'missing or wrong API token: send "Authorization: Bearer <token>"', status: 401 })}\n`, 'application/json');
      }
      const given = req.headers[DASHBOARD_SECRET_HEADER];
      if (!sameSecret(typeof given === 'string' ? given : undefined, this.secret)) {
        return send(res, 403, `${JSON.stringify({ error: 'dashboard: missing or wrong secret; reload the page', status: 403 })}\n`, 'application/json');
      }
      return api(req, res, path.slice(API_PREFIX.length - 1), search);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, '', 'text/plain; charset=utf-8');
    if (path === DASHBOARD_PREFIX) return send(res, 301, '', 'text/plain; charset=utf-8', { Location: `${DASHBOARD_PREFIX}/` });
    const name = path.slice(DASHBOARD_PREFIX.length + 1);
    try {
      if (name === '' || name === 'index.html') {
        const html = (await this.read('index.html')).toString('utf8');
        const meta = `<meta name="faultline-secret" content="${escapeAttr(this.secret)}"><meta name="faultline-token" content="${this.options.token === undefined ? 'off' : 'on'}">`;
        return send(res, 200, html.replace('<!--faultline-meta-->', meta), 'text/html; charset=utf-8');
      }
      const type = FILES[name];
      if (type === undefined) return send(res, 404, '404 page not found\n', 'text/plain; charset=utf-8');
      return send(res, 200, await this.read(name), type);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return send(res, 404, 'the dashboard is not built: run `npm run build`\n', 'text/plain; charset=utf-8');
    }
  }
}
