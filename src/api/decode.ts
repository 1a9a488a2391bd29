import type { z } from './zod.js';
import { badRequestBody } from './errors.js';

/**
 * Go's encoding/json, which Toxiproxy uses, matches object keys case-insensitively and treats
 * `null` as "leave the default". Clients rely on both, so requests are normalised to the
 * canonical key spelling, with nulls removed, before schema validation.
 */
export function normaliseKeys(value: unknown, keys: readonly string[]): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  const exact = new Set<string>();
  for (const [key, v] of Object.entries(value)) {
    const canonical = keys.includes(key) ? key : keys.find((k) => k.toLowerCase() === key.toLowerCase());
    if (canonical === undefined || v === null) continue;
    // An exact spelling wins over a case-folded one, whatever the order in the document.
    if (exact.has(canonical)) continue;
    if (canonical === key) exact.add(canonical);
    out[canonical] = v;
  }
  return out;
}

/**
 * Where the object or array that `text` starts with ends, or -1 when it does not start with one
 * or never closes. Only brackets outside strings count.
 */
function firstContainerEnd(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = text.search(/\S/); i >= 0 && i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (--depth === 0) return i + 1;
    } else if (depth === 0) return -1;
  }
  return -1;
}

/**
 * Parses a request body the way Toxiproxy reports failures: `bad request body: …`. Toxiproxy's
 * json.Decoder reads only the first JSON value and ignores what follows it, so a body with
 * trailing bytes after a complete object or array is accepted here too.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw badRequestBody('EOF');
  try {
    return JSON.parse(text);
  } catch (err) {
    const end = firstContainerEnd(text);
    if (end > 0 && end < text.length) {
      try {
        return JSON.parse(text.slice(0, end));
      } catch {
        // Not valid up to there either: report the error for the whole body.
      }
    }
    throw badRequestBody((err as Error).message);
  }
}

/** A value in a few words for an error message: `the string "abc"`, `number -1`, `an array`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** The value at `path` inside `root`, or undefined where the path leaves the document. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** `attributes.latency` / `[2].upstream`: where in the document a problem is. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Validates `input` with `schema`; on failure throws 400 naming the field, the rule and the value. */
export function decode<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw badRequestBody('invalid value');
  const where = formatPath(issue.path, prefix);
  const got = describeValue(valueAt(input, issue.path));
  throw badRequestBody(`${where === '' ? 'body' : where}: ${issue.message}, got ${got}`);
}
