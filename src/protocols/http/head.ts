/**
 * HTTP/1.x header sections (RFC 9112 §2–§6), read from the bytes in place. Only what framing
 * needs is decoded up front (the start line and the few framing headers); any other request
 * header is looked up when a matcher asks for it during the decision, so a message no toxic
 * looks into costs a few memchr calls and short strings. Anything this parser is unsure of
 * returns null, and the connection is then passed through untouched: a framer that guesses
 * desynchronises the stream.
 */

const LF = 10;
const CR = 13;
const COLON = 58;

/** Where a header section that starts at `from` ends (just after its empty line), or -1. */
export function findHeadEnd(buf: Buffer, from: number): number {
  let i = buf.indexOf(LF, from);
  while (i >= 0) {
    const next = buf[i + 1];
    if (next === LF) return i + 2;
    if (next === CR && buf[i + 2] === LF) return i + 3;
    if (next === undefined || (next === CR && i + 2 >= buf.length)) return -1;
    i = buf.indexOf(LF, i + 1);
  }
  return -1;
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
  /** undefined: absent; null: invalid or conflicting values. */
  contentLength: number | null | undefined;
  /** 'chunked' when chunked is the final coding, 'other' when present otherwise. */
  transferEncoding: 'chunked' | 'other' | undefined;
  /** Lower-case tokens of every Connection header, comma-joined. */
  connection: string;
  expect: string | undefined;
  upgrade: boolean;
  host: string | undefined;
  /** Any header named x-envoy-fault-…. */
  envoy: boolean;
}

/** Whether `buf[at, at+name.length)` spells `name` (lower case) in any letter case; only A–Z fold. */
function nameIs(buf: Buffer, at: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) {
    const b = buf[at + k] as number;
    if ((b >= 0x41 && b <= 0x5a ? b | 0x20 : b) !== name.charCodeAt(k)) return false;
  }
  return true;
}

/** A Content-Length value: digits, or a list of identical ones (`5, 5`); null when invalid. */
function lengthValue(buf: Buffer, from: number, to: number, previous: number | null | undefined): number | null {
  let length = previous ?? -1;
  let n = -1;
  for (let k = from; k <= to; k++) {
    const c = k === to ? 44 : (buf[k] as number);
    if (c >= 48 && c <= 57) {
      n = n < 0 ? c - 48 : n * 10 + (c - 48);
      if (n > Number.MAX_SAFE_INTEGER / 10) return null;
    } else if (c === 44) {
      if (n < 0 || (length >= 0 && n !== length)) return null;
      length = n;
      n = -1;
    } else if (c !== 32 && c !== 9) return null;
  }
  return length < 0 ? null : length;
}

function trimmed(buf: Buffer, from: number, to: number): string {
  while (from < to && (buf[from] === 32 || buf[from] === 9)) from++;
  while (to > from && (buf[to - 1] === 32 || buf[to - 1] === 9)) to--;
  return buf.toString('latin1', from, to);
}

/**
 * One pass over the field lines in `buf[from, end)`: null on obsolete line folding or a line
 * without a colon (RFC 9112 §5: refuse rather than guess).
 */
function scanFields(buf: Buffer, from: number, end: number): Fields | null {
  const f: Fields = { contentLength: undefined, transferEncoding: undefined, connection: '', expect: undefined, upgrade: false, host: undefined, envoy: false };
  let i = from;
  while (i < end) {
    let j = buf.indexOf(LF, i);
    if (j < 0 || j > end) j = end;
    const lineEnd = j > i && buf[j - 1] === CR ? j - 1 : j;
    if (lineEnd === i) break;
    const first = buf[i] as number;
    if (first === 32 || first === 9) return null;
    const colon = buf.indexOf(COLON, i);
    if (colon <= i || colon > lineEnd) return null;
    const c = first | 0x20;
    const len = colon - i;
    // Names are compared in place, by length first: most lines are skipped without a string.
    if (c === 99) {
      if (len === 14 && nameIs(buf, i, 'content-length')) {
        f.contentLength = lengthValue(buf, colon + 1, lineEnd, f.contentLength);
      } else if (len === 10 && nameIs(buf, i, 'connection')) {
        f.connection += `${trimmed(buf, colon + 1, lineEnd).toLowerCase()},`;
      }
    } else if (c === 116) {
      if (len === 17 && nameIs(buf, i, 'transfer-encoding')) {
        const codings = trimmed(buf, colon + 1, lineEnd).split(',');
        f.transferEncoding = (codings[codings.length - 1] ?? '').trim().toLowerCase() === 'chunked' ? 'chunked' : 'other';
      }
    } else if (c === 104) {
      if (len === 4 && nameIs(buf, i, 'host')) f.host ??= trimmed(buf, colon + 1, lineEnd);
    } else if (c === 101) {
      if (len === 6 && nameIs(buf, i, 'expect')) f.expect ??= trimmed(buf, colon + 1, lineEnd).toLowerCase();
    } else if (c === 117) {
      if (len === 7 && nameIs(buf, i, 'upgrade')) f.upgrade = true;
    } else if (c === 120) {
      if (len > 14 && nameIs(buf, i, 'x-envoy-fault-')) f.envoy = true;
    }
    i = j + 1;
  }
  return f;
}

/** Whether a Connection header value (lower case, comma-terminated pieces) lists `token`. */
function lists(connection: string, token: string): boolean {
  if (connection === '') return false;
  for (const part of connection.split(',')) if (part.trim() === token) return true;
  return false;
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
  /** The section's fields, as bytes; readable only until `release()`, since they may sit in a reused read buffer. */
  private buf: Buffer | null;

  private constructor(
    readonly method: string,
    readonly target: string,
    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    readonly minor: number,
    buf: Buffer,
    private readonly fieldsFrom: number,
    private readonly fieldsEnd: number,
    f: Fields,
    framing: BodyFraming,
  ) {
    this.buf = buf;
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

  /** The first value of a header, by lower-case name; only while the decision is being made. */
  header(lowerName: string): string | undefined {
    const buf = this.buf;
    if (buf === null) return undefined;
    const len = lowerName.length;
    let i = this.fieldsFrom;
    while (i < this.fieldsEnd) {
      let j = buf.indexOf(LF, i);
      if (j < 0 || j > this.fieldsEnd) j = this.fieldsEnd;
      const lineEnd = j > i && buf[j - 1] === CR ? j - 1 : j;
      if (lineEnd === i) return undefined;
      if (buf[i + len] === COLON && nameIs(buf, i, lowerName)) return trimmed(buf, i + len + 1, lineEnd);
      i = j + 1;
    }
    return undefined;
  }

  /** The decision is made: let go of the bytes, which the next read may overwrite. */
  release(): void {
    this.buf = null;
  }

  /** Parses the section `buf[start, end)`. */
  static parse(buf: Buffer, start: number, end: number): RequestHead | null {
    // A server skips empty lines before a request line (RFC 9112 §2.2).
    while (start < end && (buf[start] === CR || buf[start] === LF)) start++;
    let lineEnd = buf.indexOf(LF, start);
    if (lineEnd < 0 || lineEnd >= end) return null;
    const fieldsFrom = lineEnd + 1;
    if (buf[lineEnd - 1] === CR) lineEnd--;
    const line = buf.toString('latin1', start, lineEnd);
    const sp1 = line.indexOf(' ');
    const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || line.length - sp2 !== 9 || !line.startsWith('HTTP/1.', sp2 + 1)) return null;
    const minor = line.charCodeAt(sp2 + 8) - 48;
    if (minor < 0 || minor > 9) return null;
    const method = line.slice(0, sp1);
    const target = line.slice(sp1 + 1, sp2);
    if (!METHOD.test(method) || target === '') return null;
    const f = scanFields(buf, fieldsFrom, end);
    if (f === null) return null;
    let framing: BodyFraming;
    if (f.transferEncoding === 'chunked') framing = CHUNKED;
    // Any other coding, or a bad Content-Length: the server must answer 400 and close. Not ours to frame.
    else if (f.transferEncoding === 'other' || f.contentLength === null) return null;
    else framing = f.contentLength === undefined || f.contentLength === 0 ? NONE : { kind: 'length', length: f.contentLength };
    return new RequestHead(method, target, minor, buf, fieldsFrom, end, f, framing);
  }
}

export interface ResponseHead {
  status: number;
  framing: BodyFraming;
}

/**
 * A response's status and body framing, from `buf[start, end)`; the framing depends on the
 * request it answers (RFC 9112 §6.3).
 */
export function parseResponseHead(buf: Buffer, start: number, end: number, requestMethod: string): ResponseHead | 'invalid-length' | null {
  if (end - start < 13 || !nameIs(buf, start, 'http/1.') || buf[start] !== 72 || buf[start + 8] !== 32) return null;
  const d0 = (buf[start + 9] as number) - 48;
  const d1 = (buf[start + 10] as number) - 48;
  const d2 = (buf[start + 11] as number) - 48;
  if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return null;
  const status = d0 * 100 + d1 * 10 + d2;
  const after = buf[start + 12];
  if (after !== 32 && after !== CR && after !== LF) return null;
  const lineEnd = buf.indexOf(LF, start);
  const f = scanFields(buf, lineEnd + 1, end);
  if (f === null) return null;
  if (requestMethod === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) return { status, framing: NONE };
  if (f.transferEncoding === 'chunked') return { status, framing: CHUNKED };
  if (f.transferEncoding === 'other') return { status, framing: CLOSE };
  if (f.contentLength === null) return 'invalid-length';
  if (f.contentLength === undefined) return { status, framing: CLOSE };
  return { status, framing: f.contentLength === 0 ? NONE : { kind: 'length', length: f.contentLength } };
}
