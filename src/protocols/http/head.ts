/**
 * HTTP/1.x header sections (RFC 9112 §2–§6), parsed from octets as latin1. Anything this parser
 * is unsure of returns null, and the connection is then passed through untouched: a framer that
 * guesses desynchronises the stream.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/(\d)\.(\d)$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: .*)?$/;

/** Where a header section that starts at `from` ends (just after its empty line), or -1. */
export function findHeadEnd(buf: Buffer, from: number): number {
  const crlf = buf.indexOf('\r\n\r\n', from, 'latin1');
  const lf = buf.indexOf('\n\n', from, 'latin1');
  if (crlf < 0) return lf < 0 ? -1 : lf + 2;
  if (lf < 0 || crlf + 2 < lf) return crlf + 4;
  return lf + 2;
}

export class Headers {
  constructor(
    readonly names: readonly string[],
    readonly values: readonly string[],
  ) {}

  /** The first value of a header, by lower-case name. */
  get(lowerName: string): string | undefined {
    const i = this.names.indexOf(lowerName);
    return i < 0 ? undefined : this.values[i];
  }

  all(lowerName: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === lowerName) out.push(this.values[i] as string);
    return out;
  }

  /** Whether a comma-separated header (Connection, Transfer-Encoding) lists `token`. */
  lists(lowerName: string, token: string): boolean {
    for (const value of this.all(lowerName)) {
      for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
    }
    return false;
  }
}

function parseFields(lines: readonly string[]): Headers | null {
  const names: string[] = [];
  const values: string[] = [];
  for (const line of lines) {
    if (line === '') continue;
    // Obsolete line folding is refused (RFC 9112 §5.2): pass through instead of guessing.
    if (line.startsWith(' ') || line.startsWith('\t')) return null;
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return null;
    names.push(name.toLowerCase());
    values.push(line.slice(colon + 1).trim());
  }
  return new Headers(names, values);
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** How a message's body is delimited. */
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Until the server closes (responses only). */
  | { kind: 'close' };

/** Content-Length: one value, or a list of identical ones; null when invalid. */
function contentLength(headers: Headers): number | null | undefined {
  const all = headers.all('content-length');
  if (all.length === 0) return undefined;
  let length: number | undefined;
  for (const value of all) {
    for (const part of value.split(',')) {
      const text = part.trim();
      if (!/^\d{1,15}$/.test(text)) return null;
      const n = Number(text);
      if (length !== undefined && n !== length) return null;
      length = n;
    }
  }
  return length ?? null;
}

/** Transfer-Encoding: 'chunked' when chunked is the final coding, 'other' when present otherwise. */
function transferEncoding(headers: Headers): 'chunked' | 'other' | undefined {
  const all = headers.all('transfer-encoding');
  if (all.length === 0) return undefined;
  const codings = all.join(',').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
  return codings[codings.length - 1] === 'chunked' ? 'chunked' : 'other';
}

export interface RequestHead {
  method: string;
  target: string;
  path: string;
  search: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  headers: Headers;
  framing: BodyFraming;
  /** The connection stays open after this exchange unless a response says otherwise. */
  keepAlive: boolean;
  expectContinue: boolean;
  /** An Upgrade request or CONNECT: the connection may become a tunnel. */
  mayTunnel: boolean;
}

export function parseRequestHead(text: string): RequestHead | null {
  const lines = splitLines(text);
  // A server skips empty lines before a request line (RFC 9112 §2.2).
  let first = 0;
  while (first < lines.length && lines[first] === '') first++;
  const match = REQUEST_LINE.exec(lines[first] ?? '');
  if (match === null || match[3] !== '1') return null;
  const headers = parseFields(lines.slice(first + 1));
  if (headers === null) return null;
  const method = match[1] as string;
  const target = match[2] as string;
  const minor = Number(match[4]);
  const te = transferEncoding(headers);
  const cl = contentLength(headers);
  let framing: BodyFraming;
  if (te === 'chunked') framing = { kind: 'chunked' };
  else if (te === 'other' || cl === null) return null; // the server must answer 400 and close: not ours to frame
  else framing = cl === undefined || cl === 0 ? { kind: 'none' } : { kind: 'length', length: cl };
  const close = headers.lists('connection', 'close');
  const keepAlive = !close && (minor >= 1 || headers.lists('connection', 'keep-alive'));
  const q = target.indexOf('?');
  const pathPart = q < 0 ? target : target.slice(0, q);
  // An absolute-form target (a forward proxy's) matches on its path too.
  const path = /^[a-z][a-z0-9+.-]*:\/\//i.test(pathPart) ? pathPart.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/' : pathPart;
  return {
    method,
    target,
    path,
    search: q < 0 ? '' : target.slice(q + 1),
    minor,
    headers,
    framing,
    keepAlive,
    expectContinue: (headers.get('expect') ?? '').toLowerCase() === '100-continue',
    mayTunnel: method === 'CONNECT' || (headers.get('upgrade') !== undefined && headers.lists('connection', 'upgrade')),
  };
}

export interface ResponseHead {
  status: number;
  minor: number;
  headers: Headers;
}

export function parseResponseHead(text: string): ResponseHead | null {
  const lines = splitLines(text);
  const match = STATUS_LINE.exec(lines[0] ?? '');
  if (match === null || match[1] !== '1') return null;
  const headers = parseFields(lines.slice(1));
  if (headers === null) return null;
  return { status: Number(match[3]), minor: Number(match[2]), headers };
}

/** A response's body framing, which depends on the request it answers (RFC 9112 §6.3). */
export function responseFraming(head: ResponseHead, requestMethod: string): BodyFraming | null {
  const s = head.status;
  if (requestMethod === 'HEAD' || (s >= 100 && s < 200) || s === 204 || s === 304) return { kind: 'none' };
  const te = transferEncoding(head.headers);
  if (te === 'chunked') return { kind: 'chunked' };
  if (te === 'other') return { kind: 'close' };
  const cl = contentLength(head.headers);
  if (cl === null) return null;
  if (cl === undefined) return { kind: 'close' };
  return cl === 0 ? { kind: 'none' } : { kind: 'length', length: cl };
}
