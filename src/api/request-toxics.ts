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
    }),
    required: [],
    explain: (a) => `answers ${a.status} instead of forwarding ${explainMatch(a)}`,
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
