import { z } from '../api/zod.js';
import { DURATION_HINT, DURATION_PATTERN, parseDuration } from './duration.js';
import { parseThreshold } from './thresholds/parse.js';

/**
 * The experiment file, declared once: validation (with the file, the path and what was
 * expected in every error) and the JSON Schema for editors both come from here.
 */

export const duration = z
  .string({ error: `expected ${DURATION_HINT}` })
  .regex(DURATION_PATTERN, { error: `expected ${DURATION_HINT}` })
  .transform((text) => parseDuration(text) as number);

const text = (what = 'a string') => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}, not an empty string` });
const count = (what: string) => z.int({ error: `expected ${what}` }).min(0, { error: `expected ${what}` });
const headers = z.record(z.string(), z.string({ error: 'expected a string header value' }), { error: 'expected an object of header names to values' });
const comparison = z.enum(['<', '<=', '>', '>=', '==', '!='], { error: 'expected one of < <= > >= == !=' });
const httpUrl = z.string({ error: 'expected an http:// or https:// URL' }).regex(/^https?:\/\/[^\s]+$/, { error: 'expected an http:// or https:// URL' });

/** An HTTP request, as probes, actions and the load's mix send it. */
const httpRequest = {
  url: httpUrl,
  method: z.string({ error: 'expected an HTTP method' }).regex(/^[A-Za-z]+$/, { error: 'expected an HTTP method such as GET' }).default('GET'),
  headers: headers.optional(),
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], { error: 'expected a string, or JSON to send' }).optional(),
  timeout: duration.default(5000),
};

export const statusSpec = z.union(
  [
    z.int().min(100).max(599),
    z.array(z.int().min(100).max(599)).min(1),
    z.string().regex(/^[1-5]xx$/),
  ],
  { error: 'expected a status (200), a list of statuses ([200, 204]) or a class ("2xx")' },
);

export const httpProbeSchema = z.strictObject({
  ...httpRequest,
  status: statusSpec.default('2xx'),
  body_matches: z.string({ error: 'expected a regular expression' }).optional(),
  json_path: z.strictObject({ path: text('a path such as $.items[0].id'), equals: z.unknown().optional(), exists: z.boolean().optional() }).optional(),
  max_latency: duration.optional(),
});

export const commandSchema = z.strictObject({
  run: z.union([text('a command line'), z.array(z.string()).min(1, { error: 'expected the program and its arguments' })], {
    error: 'expected a command line, or a list of the program and its arguments',
  }),
  exit_code: z.int({ error: 'expected an exit code' }).default(0),
  stdout_matches: z.string({ error: 'expected a regular expression' }).optional(),
  timeout: duration.default(10_000),
});

const numericProbe = {
  op: comparison,
  value: z.number({ error: 'expected a number' }),
  timeout: duration.default(5000),
};

export const probeSchema = z
  .strictObject({
    name: text('a probe name'),
    /** Which phases run this probe; all three by default. */
    when: z.array(z.enum(['before', 'during', 'after'], { error: 'expected before, during or after' })).min(1).default(['before', 'during', 'after']),
    http: httpProbeSchema.optional(),
    tcp: z.strictObject({ address: text('host:port').regex(/^.+:\d+$/, { error: 'expected host:port' }), timeout: duration.default(3000) }).optional(),
    command: commandSchema.optional(),
    prometheus: z.strictObject({ url: httpUrl, query: text('a PromQL query'), ...numericProbe }).optional(),
    faultline: z
      .strictObject({
        server: text('a server name').optional(),
        metric: text('a metric name such as faultline_proxy_connections_total'),
        labels: z.record(z.string(), z.string()).optional(),
        ...numericProbe,
      })
      .optional(),
  })
  .superRefine(exactlyOne(['http', 'tcp', 'command', 'prometheus', 'faultline'], 'a probe'));

function exactlyOne(keys: readonly string[], what: string) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${what} to have exactly one of ${keys.join(', ')}${present.length > 1 ? `, got ${present.join(' and ')}` : ''}`,
      });
    }
  };
}

/** A fault on a proxy: any toxic, with attributes passed through as given (any JSON). */
export const faultSchema = z.strictObject({
  server: text('a server name').optional(),
  proxy: text('a proxy name'),
  type: text('a toxic type such as latency'),
  name: text('a toxic name').optional(),
  stream: z.enum(['upstream', 'downstream'], { error: 'expected upstream or downstream' }).default('downstream'),
  toxicity: z.number({ error: 'expected a number from 0 to 1' }).min(0, { error: 'expected a number from 0 to 1' }).max(1, { error: 'expected a number from 0 to 1' }).default(1),
  attributes: z.record(z.string(), z.unknown(), { error: 'expected an object of attributes' }).default({}),
});

const downSchema = z.union([text('a proxy name'), z.strictObject({ server: text('a server name').optional(), proxy: text('a proxy name') })], {
  error: 'expected a proxy name, or {server, proxy}',
});

const actionSchema = z
  .strictObject({ name: text('an action name').optional(), http: z.strictObject({ ...httpRequest, status: statusSpec.default('2xx') }).optional(), command: commandSchema.optional() })
  .superRefine(exactlyOne(['http', 'command'], 'an action'));

const range = z.tuple([duration, duration], { error: 'expected [shortest, longest], e.g. [2s, 10s]' });

export const stepSchema = z
  .strictObject({
    name: text('a step name').optional(),
    /** Offset from the start of the method; without it, the step follows the previous one. */
    at: duration.optional(),
    for: duration.optional(),
    fault: faultSchema.optional(),
    down: downSchema.optional(),
    ramp: z
      .strictObject({
        attribute: text('an attribute name such as latency'),
        from: z.number({ error: 'expected a number' }),
        to: z.number({ error: 'expected a number' }),
        over: duration.optional(),
        every: duration.default(250),
      })
      .optional(),
    flap: z.strictObject({ on: duration, off: duration }).optional(),
    wait: duration.optional(),
    action: actionSchema.optional(),
    random: z
      .strictObject({
        seed: z.int({ error: 'expected a whole number' }).optional(),
        faults: z.array(z.strictObject({ fault: faultSchema.optional(), down: downSchema.optional() }).superRefine(exactlyOne(['fault', 'down'], 'a random choice'))).min(1, { error: 'expected at least one fault to pick from' }),
        every: range,
        for: range,
      })
      .optional(),
  })
  .superRefine(exactlyOne(['fault', 'down', 'wait', 'action', 'random'], 'a step'))
  .superRefine((step, ctx) => {
    if (step.ramp !== undefined && step.fault === undefined) ctx.addIssue({ code: 'custom', path: ['ramp'], message: 'expected ramp only on a fault step' });
    if (step.flap !== undefined && step.fault === undefined && step.down === undefined) ctx.addIssue({ code: 'custom', path: ['flap'], message: 'expected flap only on a fault or down step' });
    if (step.ramp !== undefined && step.flap !== undefined) ctx.addIssue({ code: 'custom', path: ['flap'], message: 'expected either ramp or flap, not both' });
    if (step.random !== undefined && step.for === undefined) ctx.addIssue({ code: 'custom', path: ['for'], message: 'expected how long the random schedule runs (for: 1m)' });
  });

const loadRequest = z.strictObject({ ...httpRequest, weight: z.number().positive({ error: 'expected a positive weight' }).default(1), name: text().optional() });

export const loadSchema = z
  .strictObject({
    rate: z.number({ error: 'expected requests per second' }).positive({ error: 'expected requests per second above 0' }).optional(),
    stages: z.array(z.strictObject({ to: z.number({ error: 'expected requests per second' }).min(0), over: duration })).min(1).optional(),
    duration: duration.optional(),
    max_in_flight: z.int({ error: 'expected a whole number' }).positive({ error: 'expected a whole number above 0' }).default(1000),
    /** Connections per origin; past them requests are pipelined. By default one per request in flight. */
    connections: z.int({ error: 'expected a whole number' }).positive({ error: 'expected a whole number above 0' }).optional(),
    timeout: duration.default(10_000),
    seed: z.int().optional(),
    /** Statuses that count as success; by default 2xx and 3xx, as k6. */
    ok_status: statusSpec.optional(),
    requests: z.array(loadRequest).min(1, { error: 'expected at least one request' }).optional(),
    command: commandSchema.omit({ exit_code: true, stdout_matches: true }).optional(),
  })
  .superRefine(exactlyOne(['requests', 'command'], 'load'))
  .superRefine((load, ctx) => {
    if (load.requests !== undefined && load.rate === undefined && load.stages === undefined) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'expected a rate (requests per second) or stages' });
    if (load.rate !== undefined && load.stages !== undefined) ctx.addIssue({ code: 'custom', path: ['stages'], message: 'expected either rate or stages, not both' });
  });

const thresholdExpression = z.string({ error: 'expected a threshold such as "p99 > 800ms"' }).superRefine((expr, ctx) => {
  try {
    parseThreshold(expr);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

export const thresholdSchema = z.union(
  [
    thresholdExpression,
    z.strictObject({
      expr: thresholdExpression,
      abort: z.boolean().default(true),
      /** Not judged before this much of the method has run (k6's delayAbortEval). */
      after: duration.optional(),
    }),
  ],
  { error: 'expected a threshold string, or {expr, abort, after}' },
);

const proxySchema = z.strictObject({
  name: text('a proxy name'),
  upstream: text('host:port').optional(),
  listen: z.string().optional(),
  /** e.g. "http": passed through when the experiment creates the proxy. */
  protocol: text('a protocol such as http').optional(),
  /** Keep a proxy this experiment created after it ends; by default it is deleted. */
  keep: z.boolean().default(false),
});

export const serverSchema = z.strictObject({
  name: text('a server name').default('default'),
  url: httpUrl,
  lease_ttl: duration.default(10_000),
  proxies: z.array(proxySchema).default([]),
});

export const experimentSchema = z.strictObject({
  title: text('a title'),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  duration: duration.optional(),
  servers: z.array(serverSchema).min(1, { error: 'expected at least one server' }),
  steady_state: z
    .strictObject({
      interval: duration.default(1000),
      /** Failed checks allowed during the method before it is aborted. */
      tolerance: count('a number of failed checks').default(0),
      /** How long after rollback the "after" probes may take to pass again. */
      recovery: duration.default(5000),
      probes: z.array(probeSchema).min(1, { error: 'expected at least one probe' }),
    })
    .optional(),
  load: loadSchema.optional(),
  method: z.array(stepSchema).default([]),
  thresholds: z.array(thresholdSchema).default([]),
  rollbacks: z.array(actionSchema).default([]),
});

export type ExperimentInput = z.input<typeof experimentSchema>;
export type Experiment = z.output<typeof experimentSchema>;
export type Probe = z.output<typeof probeSchema>;
export type Fault = z.output<typeof faultSchema>;
export type Step = z.output<typeof stepSchema>;
export type Load = z.output<typeof loadSchema>;
export type Action = z.output<typeof actionSchema>;
export type HttpProbe = z.output<typeof httpProbeSchema>;
export type Command = z.output<typeof commandSchema>;
export type StatusSpec = z.output<typeof statusSpec>;
export type ServerSpec = z.output<typeof serverSchema>;
export type ThresholdSpec = z.output<typeof thresholdSchema>;

/** The JSON Schema of experiment files, for editors (`faultline experiment schema`). */
export function experimentJsonSchema(): unknown {
  return z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' });
}
