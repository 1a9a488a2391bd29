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

/**
 * A request-level toxic's matching attributes, compiled once per toxic (and again after an
 * update), not per request: regular expressions are built here.
 */
export class RequestMatcher {
  private readonly methods: Set<string> | null;
  private readonly path: ((p: string) => boolean) | null;
  private readonly host: ((h: string | undefined) => boolean) | null;
  private readonly headers: [string, ValueTest][];
  private readonly query: [string, ValueTest][];

  constructor(a: RequestMatch) {
    this.methods = a.method === undefined ? null : new Set((Array.isArray(a.method) ? a.method : [a.method]).map((m) => m.toUpperCase()));
    this.path = a.path === undefined ? null : pathTest(a.path);
    this.host = a.host === undefined ? null : hostTest(a.host);
    this.headers = Object.entries(a.headers ?? {}).map(([name, v]) => [name.toLowerCase(), valueTest(v)]);
    this.query = Object.entries(a.query ?? {}).map(([name, v]) => [name, valueTest(v)]);
  }

  matches(r: RequestView): boolean {
    if (this.methods !== null && !this.methods.has(r.method.toUpperCase())) return false;
    if (this.path !== null && !this.path(r.path)) return false;
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
