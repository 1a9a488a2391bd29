import { z } from 'zod';
import { MAX_MS } from './byte-toxics.js';
import { explainMatch, requestMatchShape } from './request-match.js';
import { defineToxic } from './toxic-definition.js';

const msRule = `expected a whole number of milliseconds from 0 to ${MAX_MS}`;
const ms = () => z.int({ error: msRule }).min(0, { error: msRule }).max(MAX_MS, { error: msRule });
const statusRule = 'expected an HTTP status from 100 to 599';
const status = () => z.int({ error: statusRule }).min(100, { error: statusRule }).max(599, { error: statusRule });
const where = () =>
  z.enum(['request', 'response'], { error: 'expected "request" or "response"' }).default('request');

const lineRule = 'expected one line of text (no CR or LF)';
const sqlstateRule = 'expected a SQLSTATE: 5 characters, digits and capital letters, e.g. 40001';
const severityRule = 'expected ERROR, FATAL or PANIC';
const codeRule = 'expected a MySQL error number from 1 to 65535, e.g. 1213';

/**
 * How the `error` toxic (and any toxic that answers) speaks each protocol's own error format.
 * Each protocol reads the fields it has and ignores the rest; see docs/protocols.md.
 */
export const nativeErrorShape = {
  message: z
    .string({ error: lineRule })
    .regex(/^[^\r\n]*$/, { error: lineRule })
    .max(4096, { error: 'expected at most 4096 characters' })
    .optional()
    .describe('redis: the error line after "-" (LOADING loading the dataset); memcached: the reply line (SERVER_ERROR out of memory); postgres, mysql: the error message'),
  sqlstate: z
    .string({ error: sqlstateRule })
    .regex(/^[0-9A-Z]{5}$/, { error: sqlstateRule })
    .optional()
    .describe('postgres, mysql: the SQLSTATE, e.g. 40001 (serialization failure), 40P01 (deadlock), 57014 (query cancelled)'),
  severity: z
    .enum(['ERROR', 'FATAL', 'PANIC'], { error: severityRule })
    .optional()
    .describe('postgres: ERROR (default; the session goes on) or FATAL/PANIC (the connection closes after it)'),
  code: z
    .int({ error: codeRule })
    .min(1, { error: codeRule })
    .max(65535, { error: codeRule })
    .optional()
    .describe('mysql: the error number, e.g. 1213 (deadlock), 1205 (lock wait timeout), 1040 (too many connections)'),
  miss: z
    .boolean({ error: 'expected true or false' })
    .optional()
    .describe('memcached: answer a get or gets as a cache miss (END) instead of an error'),
};

/** "503", "-LOADING …", "SQLSTATE 40001": an answer as an explanation names it, whatever the protocol. */
function describeAnswer(a: { status: number; message?: string | undefined; sqlstate?: string | undefined; code?: number | undefined; miss?: boolean | undefined }): string {
  if (a.miss === true) return 'a cache miss';
  if (a.sqlstate !== undefined || a.code !== undefined) {
    return [a.code === undefined ? '' : `error ${a.code}`, a.sqlstate === undefined ? '' : `SQLSTATE ${a.sqlstate}`].filter((x) => x !== '').join(' ');
  }
  if (a.message !== undefined) return JSON.stringify(a.message);
  return String(a.status);
}

/** A request-level toxic: its own attributes plus matching, counts and probability. */
function requestLevel<S extends z.core.$ZodLooseShape>(own: S) {
  return z.object({ ...own, ...requestMatchShape });
}

/**
 * faultline's request-level toxics: they act once per request on a proxy whose `protocol` frames
 * its traffic (`http`), answering in that protocol's own terms.
 */
export const requestToxics = {
  error: defineToxic({
    level: 'request',
    attributes: requestLevel({
      status: status().default(503).describe('status of the answer (HTTP)'),
      body: z.string({ error: 'expected a string' }).optional().describe('body of the answer (default: a line naming the fault)'),
      response_headers: z
        .record(
          z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/),
          z.string({ error: 'expected a string' }).regex(/^[^\r\n]*$/, { error: 'expected a value without line breaks' }),
          {
            error: (issue) =>
              issue.code === 'invalid_key'
                ? 'expected a header name (letters, digits and !#$%&\'*+-.^_`|~)'
                : 'expected an object of header names and values',
          },
        )
        .optional()
        .describe('headers of the answer, e.g. {"Retry-After": "1"}'),
      ...nativeErrorShape,
    }),
    required: [],
    explain: (a) => `answers ${describeAnswer(a)} instead of forwarding ${explainMatch(a)}`,
  }),
  delay: defineToxic({
    level: 'request',
    attributes: requestLevel({
      ms: ms().default(0).describe('how long to hold the request or response (ms)'),
      jitter: ms().default(0).describe('uniform random variation, plus or minus (ms)'),
      where: where().describe('hold the request before it is forwarded, or the response before it is delivered'),
    }),
    required: ['ms'],
    explain: (a) =>
      `holds the ${a.where} ${a.ms} ms${a.jitter > 0 ? ` ± ${a.jitter} ms` : ''} for ${explainMatch(a)}`,
  }),
  hang: defineToxic({
    level: 'request',
    attributes: requestLevel({}),
    required: [],
    explain: (a) => `swallows ${explainMatch(a)} and never answers (the connection stays open)`,
  }),
  abort: defineToxic({
    level: 'request',
    attributes: requestLevel({
      reset: z.boolean({ error: 'expected true or false' }).default(false).describe('reset (TCP RST) instead of closing'),
      where: where().describe('before forwarding the request, or after forwarding it and before the response'),
    }),
    required: [],
    explain: (a) =>
      `${a.reset ? 'resets' : 'closes'} the connection ${a.where === 'request' ? 'instead of forwarding' : 'instead of answering'} ${explainMatch(a)}`,
  }),
  rate_limit: defineToxic({
    level: 'request',
    attributes: requestLevel({
      limit: z.int({ error: 'expected a whole number from 0' }).min(0, { error: 'expected a whole number from 0' }).default(10).describe('requests let through per window'),
      window: ms().min(1, { error: 'expected a whole number of milliseconds from 1' }).default(1000).describe('length of the window (ms)'),
      status: status().default(429).describe('status of the answer once over the limit'),
      body: z.string({ error: 'expected a string' }).optional().describe('body of the answer'),
    }),
    required: ['limit'],
    explain: (a) => `answers ${a.status} once more than ${a.limit} per ${a.window} ms arrive, for ${explainMatch(a)}`,
  }),
  truncate: defineToxic({
    level: 'request',
    attributes: requestLevel({
      bytes: z.int({ error: 'expected a whole number of bytes from 0' }).min(0, { error: 'expected a whole number of bytes from 0' }).default(0).describe('body bytes delivered before the cut'),
      reset: z.boolean({ error: 'expected true or false' }).default(false).describe('reset (TCP RST) instead of closing'),
    }),
    required: [],
    explain: (a) =>
      `cuts the response off after ${a.bytes} body bytes and ${a.reset ? 'resets' : 'closes'} the connection, for ${explainMatch(a)}`,
  }),
  slow_headers: defineToxic({
    level: 'request',
    attributes: requestLevel({
      ms: ms().default(0).describe('time the response header section takes to arrive, a few bytes at a time (ms)'),
    }),
    required: ['ms'],
    explain: (a) => `trickles the response headers over ${a.ms} ms for ${explainMatch(a)}`,
  }),
};
