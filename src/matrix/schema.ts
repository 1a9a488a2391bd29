import { z } from '../api/zod.js';
import { commandSchema, duration, httpProbeSchema, serverSchema, statusSpec } from '../experiments/schema.js';

/**
 * The matrix file, declared once: validation with paths in every error, and the JSON Schema
 * for editors (schema/matrix.schema.json). Probes, servers and durations are the experiment
 * file's, so a team writes them one way in both.
 */

export const STATES = ['Up', 'Degraded', 'Down'] as const;
export type State = (typeof STATES)[number];

const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}, not an empty string` });
const regex = z.string({ error: 'expected a regular expression' }).superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `expected a regular expression: ${(err as Error).message}` });
  }
});

/**
 * The marker a team chose for "works, but not as normal". It is looked for only on answers
 * that pass the probe's own checks: an answer that fails them is Down.
 */
export const degradedSchema = z.strictObject({
  status: statusSpec.optional(),
  header: z.strictObject({ name: text('a header name'), matches: regex.optional() }).optional(),
  body_matches: regex.optional(),
  stdout_matches: regex.optional(),
  slower_than: duration.optional(),
});

export const matrixProbeSchema = z
  .strictObject({
    name: text('a probe name').optional(),
    http: httpProbeSchema.optional(),
    command: commandSchema.optional(),
    degraded: degradedSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.http === undefined) === (p.command === undefined)) ctx.addIssue({ code: 'custom', message: 'expected a probe to have exactly one of http, command' });
  });

export const featureSchema = z.strictObject({
  name: text('a feature name'),
  probes: z.array(matrixProbeSchema).min(1, { error: 'expected at least one probe' }),
  /** Markers for every probe of the feature, besides each probe's own. */
  degraded: degradedSchema.optional(),
});

const toxicSpec = z.strictObject({
  type: text('a toxic type such as latency'),
  stream: z.enum(['upstream', 'downstream'], { error: 'expected upstream or downstream' }).default('downstream'),
  toxicity: z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1).default(1),
  attributes: z.record(z.string(), z.unknown(), { error: 'expected an object of attributes' }).default({}),
});

/** `down`, or an object with a name and exactly one of down, latency, timeout, toxic. */
export const failureSchema = z.union(
  [
    z.literal('down', { error: 'expected "down"' }),
    z
      .strictObject({
        name: text('a failure name such as "slow"').optional(),
        down: z.literal(true, { error: 'expected true' }).optional(),
        latency: duration.optional(),
        jitter: duration.optional(),
        /** A timeout toxic: data stops, and the connection closes after this long (0: never). */
        timeout: duration.optional(),
        toxic: toxicSpec.optional(),
      })
      .superRefine((f, ctx) => {
        const kinds = (['down', 'latency', 'timeout', 'toxic'] as const).filter((k) => f[k] !== undefined);
        if (kinds.length !== 1) ctx.addIssue({ code: 'custom', message: `expected exactly one of down, latency, timeout, toxic${kinds.length > 1 ? `, got ${kinds.join(' and ')}` : ''}` });
        if (f.jitter !== undefined && f.latency === undefined) ctx.addIssue({ code: 'custom', path: ['jitter'], message: 'expected jitter only with latency' });
      }),
  ],
  { error: 'expected "down", or {name, down | latency | timeout | toxic}' },
);

export const dependencySchema = z
  .strictObject({
    name: text('a dependency name'),
    server: text('a server name').optional(),
    proxy: text('a proxy name').optional(),
    proxies: z.array(text('a proxy name')).min(1, { error: 'expected at least one proxy' }).optional(),
    failures: z.array(failureSchema).min(1, { error: 'expected at least one failure mode' }).default(['down']),
  })
  .superRefine((d, ctx) => {
    if ((d.proxy === undefined) === (d.proxies === undefined)) ctx.addIssue({ code: 'custom', message: 'expected exactly one of proxy, proxies' });
  });

export const stateSchema = z.enum(STATES, { error: 'expected Up, Degraded or Down' });

export const matrixSchema = z.strictObject({
  title: text('a title'),
  description: z.string().optional(),
  servers: z.array(serverSchema).min(1, { error: 'expected at least one server' }),
  /** How many times each probe runs in a cell; the worst answer decides. */
  repeat: z.int({ error: 'expected a whole number' }).min(1, { error: 'expected at least 1' }).default(1),
  /** Time after a fault is applied before the probes run. */
  settle: duration.default(0),
  /** How long a feature may take to be Up again once the fault is removed (and before a cell). */
  recovery: duration.default(5000),
  features: z.array(featureSchema).min(1, { error: 'expected at least one feature' }),
  dependencies: z.array(dependencySchema).min(1, { error: 'expected at least one dependency' }),
  /** Row label → feature name → expected state. */
  expect: z.record(z.string(), z.record(z.string(), stateSchema, { error: 'expected an object of feature names to Up, Degraded or Down' }), {
    error: 'expected an object of rows (e.g. "Redis", "Redis slow") to features to states',
  }),
});

export type MatrixInput = z.input<typeof matrixSchema>;
export type Matrix = z.output<typeof matrixSchema>;
export type Feature = z.output<typeof featureSchema>;
export type MatrixProbe = z.output<typeof matrixProbeSchema>;
export type Dependency = z.output<typeof dependencySchema>;
export type Failure = z.output<typeof failureSchema>;
export type DegradedMarker = z.output<typeof degradedSchema>;

/** The JSON Schema of matrix files, for editors (`faultline matrix schema`). */
export function matrixJsonSchema(): unknown {
  return z.toJSONSchema(matrixSchema, { io: 'input', unrepresentable: 'any' });
}
