import type { RequestMatch } from '../api/request-match.js';
import type { RequestView } from './message.js';

type ValueTest = (value: string | undefined) => boolean;

function valueTest(expected: string | true): ValueTest {
  if (expected === true) return (v) => v !== undefined;
  if (expected.startsWith('~')) {
    const re = new RegExp(expected.slice(1));
    return (v) => v !== undefined && re.test(v);
  }
  return (v) => v === expected;
}

function pathTest(pattern: string): (path: string) => boolean {
  if (pattern.startsWith('~')) {
    const re = new RegExp(pattern.slice(1));
    return (p) => re.test(p);
  }
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (p) => p.startsWith(prefix);
  }
  return (p) => p === pattern;
}

function hostTest(pattern: string): (host: string | undefined) => boolean {
  if (pattern.startsWith('~')) {
    const re = new RegExp(pattern.slice(1), 'i');
    return (h) => h !== undefined && re.test(h);
  }
  const lower = pattern.toLowerCase();
  if (lower.startsWith('*.')) {
    const suffix = lower.slice(1);
    return (h) => h !== undefined && h.endsWith(suffix);
  }
  return (h) => h === lower;
}

/** Redis's glob (KEYS, PSUBSCRIBE) as a regular expression, anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\' && i + 1 < glob.length) out += escape(glob[++i] as string);
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let set = glob.slice(i + 1, close);
      const negate = set.startsWith('^');
      if (negate) set = set.slice(1);
      out += `[${negate ? '^' : ''}${set.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else out += escape(c);
  }
  return new RegExp(`${out}$`);
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&');
}

/**
 * The literal start of a glob (before its first `*`, `?`, `[` or `\`), which every key it
 * matches begins with: a key is turned away on it without being decoded. Null when there is none,
 * or when it holds U+FFFD, which a key's invalid UTF-8 decodes to and its bytes would not show.
 */
function globPrefix(glob: string): { text: string; bytes: Buffer } | null {
  const end = glob.search(/[*?[\\]/);
  const text = end < 0 ? glob : glob.slice(0, end);
  if (text === '' || text.includes('\uFFFD')) return null;
  return { text, bytes: Buffer.from(text, 'utf8') };
}

function verbs(...lists: (string | string[] | undefined)[]): Set<string>[] {
  return lists.filter((l) => l !== undefined).map((l) => new Set((Array.isArray(l) ? l : [l]).map((m) => m.toUpperCase())));
}

/**
 * A request-level toxic's matching attributes, compiled once per toxic (and again after an
 * update), not per request: regular expressions are built here.
 */
export class RequestMatcher {
  /** `method`, `command` and `keyword` all test the request's verb; each given must hold. */
  private readonly methods: Set<string>[];
  private readonly path: ((p: string) => boolean) | null;
  private readonly key: RegExp | null;
  private readonly keyPrefix: { text: string; bytes: Buffer } | null;
  private readonly statement: RegExp | null;
  private readonly host: ((h: string | undefined) => boolean) | null;
  private readonly headers: [string, ValueTest][];
  private readonly query: [string, ValueTest][];

  constructor(a: RequestMatch) {
    this.methods = verbs(a.method, a.command, a.keyword);
    this.path = a.path === undefined ? null : pathTest(a.path);
    this.key = a.key === undefined ? null : globToRegExp(a.key);
    this.keyPrefix = a.key === undefined ? null : globPrefix(a.key);
    this.statement = typeof a.query === 'string' ? new RegExp(a.query, 'i') : null;
    this.host = a.host === undefined ? null : hostTest(a.host);
    this.headers = Object.entries(a.headers ?? {}).map(([name, v]) => [name.toLowerCase(), valueTest(v)]);
    this.query = typeof a.query === 'object' ? Object.entries(a.query).map(([name, v]) => [name, valueTest(v)]) : [];
  }

  /** The last verb seen and its upper case: framers hand the same few name strings over and over. */
  private lastVerb = '';
  private lastUpper = '';

  matches(r: RequestView): boolean {
    if (this.methods.length > 0) {
      const method = r.method;
      if (method !== this.lastVerb) {
        this.lastVerb = method;
        this.lastUpper = method.toUpperCase();
      }
      const verb = this.lastUpper;
      for (const set of this.methods) if (!set.has(verb)) return false;
    }
    if (this.path !== null && !this.path(r.path)) return false;
    if (this.key !== null) {
      const prefix = this.keyPrefix;
      if (prefix !== null && r.pathStartsWith !== undefined && !r.pathStartsWith(prefix.bytes, prefix.text)) return false;
      if (!this.key.test(r.path)) return false;
    }
    if (this.statement !== null && !this.statement.test(r.path)) return false;
    if (this.host !== null && !this.host(r.host)) return false;
    for (const [name, test] of this.headers) if (!test(r.header(name))) return false;
    for (const [name, test] of this.query) if (!test(r.query(name))) return false;
    return true;
  }
}

/** Whether the `n`th matching request (from 1) is one the counts select. */
export function countSelects(a: RequestMatch, n: number): boolean {
  if (a.nth !== undefined && !a.nth.includes(n)) return false;
  if (a.first !== undefined && n > a.first) return false;
  if (a.after !== undefined && n <= a.after) return false;
  if (a.every !== undefined && n % a.every !== 0) return false;
  return true;
}
