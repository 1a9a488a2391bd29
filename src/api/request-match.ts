import { z } from './zod.js';

/**
 * The attributes every request-level toxic takes beside its own: which requests it matches,
 * which of the matching ones it acts on (counts), and with what probability. Flat, so
 * `-a path=/ratings -a nth=2,3` works on the command line and any client's generic "add toxic"
 * call can send them.
 */

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** `~regex`, or text; `/api/*` is a prefix where the caller allows it. */
const pattern = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .refine((s) => !s.startsWith('~') || compiles(s.slice(1)), {
      error: (issue) => `invalid regular expression ${JSON.stringify(String(issue.input).slice(1))}`,
    });

const positive = (what: string) => {
  const rule = `expected ${what}, a whole number from 1`;
  return z.int({ error: rule }).min(1, { error: rule }).max(Number.MAX_SAFE_INTEGER, { error: rule });
};

/** Redis's KEYS glob: `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and a backslash escape; anything else is literal. */
const glob = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

const names = (what: string, example: string) =>
  z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: `expected ${what} or a list of them, e.g. ${example}` });

const valueMatch = z.union([pattern('a value, "~regex", or true for presence'), z.literal(true)], {
  error: 'expected a value, "~regex", or true for presence',
});

const probabilityRule = 'expected a number from 0 to 1';

export const requestMatchShape = {
  method: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'expected a method or a list of methods' })
    .optional()
    .describe('request method(s) to match, e.g. GET or GET,HEAD (Redis: command names)'),
  path: pattern('a path: exact, a prefix ending in *, or ~regex')
    .optional()
    .describe('path to match: exact (/ratings), prefix (/api/*) or ~regex (Redis: the key)'),
  query: z
    .union(
      [
        z.string().refine(compiles, { error: (issue) => `invalid regular expression ${JSON.stringify(issue.input)}` }),
        z.record(z.string(), valueMatch),
      ],
      { error: 'expected a regular expression (postgres, mysql) or an object of query parameters (http)' },
    )
    .optional()
    .describe('http: query parameters that must be present with these values (true: present at all); postgres, mysql: a regular expression the statement text must match'),
  command: names('a command name', 'GET or ["GET", "MGET"]')
    .optional()
    .describe('redis, memcached: command name(s) to match, in any case, e.g. GET or get,gets'),
  key: glob('a key pattern, e.g. user:* or session:?')
    .optional()
    .describe('redis, memcached: glob the key must match (* any run, ? one character, [abc] a set)'),
  keyword: names('a statement keyword', 'SELECT or ["INSERT", "UPDATE"]')
    .optional()
    .describe("postgres, mysql: the statement's first word(s), in any case, e.g. SELECT or insert,update; STARTUP (postgres) or CONNECT (mysql) names the session's opening"),
  headers: z
    .record(z.string(), valueMatch, { error: 'expected an object of header names' })
    .optional()
    .describe('request headers that must be present with these values (true: present at all)'),
  host: pattern('a host: exact, *.suffix, or ~regex').optional().describe('Host header to match (port ignored)'),
  nth: z
    .array(positive('a request number'), { error: 'expected a list of positive whole numbers, e.g. [2, 3]' })
    .min(1, { error: 'expected a list of positive whole numbers, e.g. [2, 3]' })
    .optional()
    .describe('act on these matching requests only, counted from 1'),
  first: positive('a count').optional().describe('act on the first N matching requests'),
  after: z
    .int({ error: 'expected a whole number from 0' })
    .min(0, { error: 'expected a whole number from 0' })
    .optional()
    .describe('act on every matching request after the first N'),
  every: positive('a count').optional().describe('act on every Nth matching request'),
  count: z
    .enum(['proxy', 'connection'], { error: 'expected "proxy" or "connection"' })
    .optional()
    .describe('count matching requests across the proxy or per connection (default proxy)'),
  probability: z
    .number({ error: probabilityRule })
    .min(0, { error: probabilityRule })
    .max(1, { error: probabilityRule })
    .optional()
    .describe('chance, per matching request, that the toxic acts (default 1); reproducible with --seed'),
};

export type RequestMatch = z.output<z.ZodObject<typeof requestMatchShape>>;

export const REQUEST_MATCH_KEYS = Object.keys(requestMatchShape) as (keyof RequestMatch)[];

function list(numbers: readonly number[]): string {
  const ords = numbers.map(ordinal);
  return ords.length <= 1 ? (ords[0] ?? '') : `${ords.slice(0, -1).join(', ')} and ${ords[ords.length - 1]}`;
}

export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const last = n % 10;
  return `${n}${last === 1 ? 'st' : last === 2 ? 'nd' : last === 3 ? 'rd' : 'th'}`;
}

function describeValues(kind: string, values: Record<string, string | true>): string {
  return Object.entries(values)
    .map(([k, v]) => (v === true ? `${kind} ${k}` : `${kind} ${k}: ${v}`))
    .join(', ');
}

/**
 * "the 2nd and 3rd GET /ratings request with header x-test: 42 (counted per proxy), with
 * probability 0.5": the part of a request-level toxic's explanation that says which requests.
 */
export function explainMatch(a: RequestMatch): string {
  const verbs = a.method ?? a.command ?? a.keyword;
  const methods = verbs === undefined ? '' : (Array.isArray(verbs) ? verbs : [verbs]).map((m) => m.toUpperCase()).join('/');
  const statement = typeof a.query === 'string' ? `matching /${a.query}/` : '';
  const what = [methods, a.path ?? a.key ?? '', statement].filter((s) => s !== '').join(' ');
  const subject = `${what === '' ? '' : `${what} `}request`;
  let which: string;
  const everyNth = a.every !== undefined && a.every > 1 ? a.every : undefined;
  if (a.nth !== undefined) which = `the ${list([...a.nth].sort((x, y) => x - y))} ${subject}`;
  else if (a.first !== undefined) which = a.first === 1 ? `the first ${subject}` : `the first ${a.first} ${subject}s`;
  else if (everyNth !== undefined) which = `every ${ordinal(everyNth)} ${subject}`;
  else which = `every ${subject}`;
  if (everyNth !== undefined && (a.nth !== undefined || a.first !== undefined)) which += `, every ${ordinal(everyNth)} one`;
  if (a.after !== undefined && a.after > 0) which += ` after the first ${a.after}`;
  const conditions: string[] = [];
  if (a.host !== undefined) conditions.push(`to host ${a.host}`);
  if (a.headers !== undefined) conditions.push(`with ${describeValues('header', a.headers)}`);
  if (a.query !== undefined && typeof a.query !== 'string') conditions.push(`with ${describeValues('query', a.query)}`);
  if (a.probability !== undefined && a.probability < 1) conditions.push(`with probability ${a.probability}`);
  const counted = a.nth !== undefined || a.first !== undefined || a.after !== undefined || a.every !== undefined;
  if (counted && a.count === 'connection') conditions.push('(counted per connection)');
  return [which, ...conditions].join(' ');
}
