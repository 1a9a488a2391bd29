/**
 * HTTP/1.x header sections (RFC 9112 §2–§6), read from their latin1 text. Only what framing
 * needs is read up front (the start line and the few framing headers); any other header is
 * looked up when a matcher asks for it, so a request no toxic looks into costs one string and
 * one pass. Anything this parser is unsure of returns null, and the connection is then passed
 * through untouched: a framer that guesses desynchronises the stream.
 */

/** Where a header section that starts at `from` ends (just after its empty line), or -1. */
export function findHeadEnd(buf: Buffer, from: number): number {
  const crlf = buf.indexOf('\r\n\r\n', from, 'latin1');
  if (crlf >= 0) {
    // A bare-LF empty line before it would end the section earlier (rare: checked only up to it).
    const lf = buf.subarray(from, crlf).indexOf('\n\n', 0, 'latin1');
    return lf < 0 ? crlf + 4 : from + lf + 2;
  }
  const lf = buf.indexOf('\n\n', from, 'latin1');
  return lf < 0 ? -1 : lf + 2;
}

/** How a message's body is delimited. */
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Until the server closes (responses only). */
  | { kind: 'close' };

const NONE: BodyFraming = { kind: 'none' };
const CHUNKED: BodyFraming = { kind: 'chunked' };
const CLOSE: BodyFraming = { kind: 'close' };

/** The framing headers of a section, gathered in one pass over its lines. */
interface Fields {
  contentLength: number | null | undefined;
  /** 'chunked' when chunked is the final coding, 'other' when present otherwise. */
  transferEncoding: 'chunked' | 'other' | undefined;
  connection: string;
  expect: string | undefined;
  upgrade: boolean;
  host: string | undefined;
  /** Any header named x-envoy-fault-…. */
  envoy: boolean;
}

function mergeLength(previous: number | null | undefined, value: string): number | null {
  let length = previous ?? undefined;
  for (const part of value.split(',')) {
    const text = part.trim();
    if (!/^\d{1,15}$/.test(text)) return null;
    const n = Number(text);
    if (length !== undefined && n !== length) return null;
    length = n;
  }
  return length ?? null;
}

/**
 * One pass over the field lines from `from`: null on obsolete line folding or a line without
 * a colon (RFC 9112 §5: refuse rather than guess).
 */
function scanFields(text: string, from: number): Fields | null {
  const f: Fields = { contentLength: undefined, transferEncoding: undefined, connection: '', expect: undefined, upgrade: false, host: undefined, envoy: false };
  let i = from;
  const n = text.length;
  while (i < n) {
    let j = text.indexOf('\n', i);
    if (j < 0) j = n;
    const end = j > i && text.charCodeAt(j - 1) === 13 ? j - 1 : j;
    if (end === i) break;
    const first = text.charCodeAt(i);
    if (first === 32 || first === 9) return null;
    const colon = text.indexOf(':', i);
    if (colon <= i || colon > end) return null;
    const c = first | 0x20;
    // Only names that start like a framing header are read; the rest are skipped unread.
    if (c === 99 || c === 116 || c === 101 || c === 117 || c === 104 || c === 120) {
      const name = text.slice(i, colon).toLowerCase();
      const value = (): string => text.slice(colon + 1, end).trim();
      switch (name) {
        case 'content-length':
          f.contentLength = mergeLength(f.contentLength, value());
          if (f.contentLength === null) return fieldsWithBadLength(f);
          break;
        case 'transfer-encoding': {
          const codings = value().split(',');
          const last = (codings[codings.length - 1] ?? '').trim().toLowerCase();
          f.transferEncoding = last === 'chunked' ? 'chunked' : 'other';
          break;
        }
        case 'connection':
          f.connection += `${value().toLowerCase()},`;
          break;
        case 'expect':
          f.expect ??= value().toLowerCase();
          break;
        case 'upgrade':
          f.upgrade = true;
          break;
        case 'host':
          f.host ??= value();
          break;
        default:
          if (name.startsWith('x-envoy-fault-')) f.envoy = true;
      }
    }
    i = j + 1;
  }
  return f;
}

function fieldsWithBadLength(f: Fields): Fields {
  f.contentLength = null;
  return f;
}

/** Whether a Connection header value (lower case, comma-terminated pieces) lists `token`. */
function lists(connection: string, token: string): boolean {
  if (connection === '') return false;
  for (const part of connection.split(',')) if (part.trim() === token) return true;
  return false;
}

/** The first value of header `lowerName` in a section's text, scanning from `from`. */
function findHeader(text: string, from: number, lowerName: string): string | undefined {
  let i = from;
  const n = text.length;
  const len = lowerName.length;
  while (i < n) {
    let j = text.indexOf('\n', i);
    if (j < 0) j = n;
    const end = j > i && text.charCodeAt(j - 1) === 13 ? j - 1 : j;
    if (end === i) return undefined;
    if (text.charCodeAt(i + len) === 58 && text.slice(i, i + len).toLowerCase() === lowerName) return text.slice(i + len + 1, end).trim();
    i = j + 1;
  }
  return undefined;
}

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export class RequestHead {
  readonly path: string;
  readonly search: string;
  readonly framing: BodyFraming;
  /** The connection stays open after this exchange unless a response says otherwise. */
  readonly keepAlive: boolean;
  readonly expectContinue: boolean;
  /** An Upgrade request or CONNECT: the connection may become a tunnel. */
  readonly mayTunnel: boolean;
  /** The Host header as sent. */
  readonly host: string | undefined;
  /** Some header asks for an Envoy fault. */
  readonly envoyHeaders: boolean;

  private constructor(
    readonly method: string,
    readonly target: string,
    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    readonly minor: number,
    private readonly text: string,
    private readonly fieldsFrom: number,
    f: Fields,
    framing: BodyFraming,
  ) {
    this.framing = framing;
    this.keepAlive = !lists(f.connection, 'close') && (minor >= 1 || lists(f.connection, 'keep-alive'));
    this.expectContinue = f.expect === '100-continue';
    this.mayTunnel = method === 'CONNECT' || (f.upgrade && lists(f.connection, 'upgrade'));
    this.host = f.host;
    this.envoyHeaders = f.envoy;
    const q = target.indexOf('?');
    const pathPart = q < 0 ? target : target.slice(0, q);
    // An absolute-form target (a forward proxy's) matches on its path.
    this.path = pathPart.charCodeAt(0) === 47 ? pathPart : pathPart.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
    this.search = q < 0 ? '' : target.slice(q + 1);
  }

  /** The first value of a header, by lower-case name, read from the section when asked. */
  header(lowerName: string): string | undefined {
    return findHeader(this.text, this.fieldsFrom, lowerName);
  }

  static parse(text: string): RequestHead | null {
    // A server skips empty lines before a request line (RFC 9112 §2.2).
    let start = 0;
    while (text.charCodeAt(start) === 13 || text.charCodeAt(start) === 10) start++;
    let lineEnd = text.indexOf('\n', start);
    if (lineEnd < 0) return null;
    const fieldsFrom = lineEnd + 1;
    if (text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const sp1 = text.indexOf(' ', start);
    const sp2 = sp1 < 0 ? -1 : text.indexOf(' ', sp1 + 1);
    if (sp1 <= start || sp2 < 0 || sp2 > lineEnd || lineEnd - sp2 !== 9) return null;
    if (text.slice(sp2 + 1, sp2 + 8) !== 'HTTP/1.') return null;
    const minor = text.charCodeAt(sp2 + 8) - 48;
    if (minor < 0 || minor > 9) return null;
    const method = text.slice(start, sp1);
    const target = text.slice(sp1 + 1, sp2);
    if (!METHOD.test(method) || target === '') return null;
    const f = scanFields(text, fieldsFrom);
    if (f === null) return null;
    let framing: BodyFraming;
    if (f.transferEncoding === 'chunked') framing = CHUNKED;
    // Any other coding, or a bad Content-Length: the server must answer 400 and close. Not ours to frame.
    else if (f.transferEncoding === 'other' || f.contentLength === null) return null;
    else framing = f.contentLength === undefined || f.contentLength === 0 ? NONE : { kind: 'length', length: f.contentLength };
    return new RequestHead(method, target, minor, text, fieldsFrom, f, framing);
  }
}

export interface ResponseHead {
  status: number;
  framing: BodyFraming;
}

/** A response's status and body framing, which depends on the request it answers (RFC 9112 §6.3). */
export function parseResponseHead(text: string, requestMethod: string): ResponseHead | 'invalid-length' | null {
  if (!text.startsWith('HTTP/1.') || text.charCodeAt(8) !== 32) return null;
  const status = Number(text.slice(9, 12));
  if (!Number.isInteger(status) || status < 100 || status > 999) return null;
  const next = text.charCodeAt(12);
  if (next !== 32 && next !== 13 && next !== 10) return null;
  const lineEnd = text.indexOf('\n');
  const f = scanFields(text, lineEnd + 1);
  if (f === null) return null;
  if (requestMethod === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) return { status, framing: NONE };
  if (f.transferEncoding === 'chunked') return { status, framing: CHUNKED };
  if (f.transferEncoding === 'other') return { status, framing: CLOSE };
  if (f.contentLength === null) return 'invalid-length';
  if (f.contentLength === undefined) return { status, framing: CLOSE };
  return { status, framing: f.contentLength === 0 ? NONE : { kind: 'length', length: f.contentLength } };
}
