import { z } from './zod.js';
import { BEHAVIORS, formatMix, MixError, parseMix } from './behaviors.js';
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

const countRule = 'expected a whole number from 0';
const count = () => z.int({ error: countRule }).min(0, { error: countRule }).max(Number.MAX_SAFE_INTEGER, { error: countRule });
const flag = () => z.boolean({ error: 'expected true or false' });
const sleepRule = `expected a number of seconds from 0 to ${Math.floor(MAX_MS / 1000)}, e.g. 0.5`;

/** Vaurien's `"20:delay,10:error"`, checked with the message that names what is wrong. */
const mixText = z.string({ error: 'expected a mix, e.g. "20:delay,10:error"' }).superRefine((text, ctx) => {
  try {
    parseMix(text);
  } catch (err) {
    if (!(err instanceof MixError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message, input: text });
  }
});

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
  mix: defineToxic({
    level: 'request',
    attributes: requestLevel({
      behaviors: mixText
        .default('100:dummy')
        .describe('Vaurien\'s mix: percent:behavior shares drawn per request, the rest passes; behaviors: ' + Object.keys(BEHAVIORS).join(', ')),
      delay_sleep: z
        .number({ error: sleepRule })
        .min(0, { error: sleepRule })
        .max(Math.floor(MAX_MS / 1000), { error: sleepRule })
        .default(BEHAVIORS.delay.options.sleep.default)
        .describe('delay: seconds to hold the request (or response)'),
      delay_before: flag().default(BEHAVIORS.delay.options.before.default).describe('delay: hold the request before forwarding it; false: hold the response'),
      error_inject: flag().default(BEHAVIORS.error.options.inject.default).describe("error: accepted for Vaurien's sake; faultline always answers in the protocol's own error format"),
      error_warmup: count().default(BEHAVIORS.error.options.warmup.default).describe('error: calls that pass before errors start'),
      transient_agitate: count().default(BEHAVIORS.transient.options.agitate.default).describe('transient: calls that fail before it recovers'),
      transient_inject: flag().default(BEHAVIORS.transient.options.inject.default).describe('transient: as error_inject'),
      transient_warmup: count().default(BEHAVIORS.transient.options.warmup.default).describe('transient: calls that pass before the failing ones'),
      status: status().default(503).describe('error, transient: status of the answer (HTTP)'),
      body: z.string({ error: 'expected a string' }).optional().describe('error, transient: body of the answer (HTTP)'),
      ...nativeErrorShape,
    }),
    required: ['behaviors'],
    explain: (a) => {
      const shares = parseMix(a.behaviors).filter((s) => s.name !== 'dummy' && s.percent > 0);
      if (shares.length === 0) return `passes ${explainMatch(a)} untouched (100:dummy)`;
      return `draws per request ${formatMix(shares)} (the rest passes) for ${explainMatch(a)}`;
    },
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
