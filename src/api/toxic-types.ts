import { z } from 'zod';

/** setTimeout's ceiling: a longer wait would fire at once, so it cannot be honoured. */
export const MAX_MS = 2_147_483_647;

function whole(unit: string, max: number, description: string) {
  const rule = `expected a whole number of ${unit} from 0 to ${max}`;
  return z.int({ error: rule }).min(0, { error: rule }).max(max, { error: rule }).describe(description);
}
const ms = (description: string) => whole('milliseconds', MAX_MS, `${description} (ms)`);
const bytes = (description: string) => whole('bytes', Number.MAX_SAFE_INTEGER, `${description} (bytes)`);

/**
 * Every toxic type with its attributes: the wire contract the server validates with and the
 * client, CLI and docs are derived from. All attributes are integers defaulting to 0, as in
 * Toxiproxy, where every attribute is present in every response.
 */
export const toxicAttributeSchemas = {
  noop: z.object({}),
  latency: z.object({
    latency: ms('delay added to each chunk'),
    jitter: ms('uniform random variation of the delay, plus or minus'),
  }),
  bandwidth: z.object({
    rate: whole('KB/s', Number.MAX_SAFE_INTEGER, 'rate limit in KB/s (1 KB = 1000 bytes); 0 stalls the direction (KB/s)'),
  }),
  slow_close: z.object({
    delay: ms('delay before the close is passed on'),
  }),
  timeout: z.object({
    timeout: ms('idle time after which the connection is closed; 0 holds it open forever'),
  }),
  reset_peer: z.object({
    timeout: ms('time after the first data before the connection is reset'),
  }),
  slicer: z.object({
    average_size: bytes('average size of a slice'),
    size_variation: bytes('random variation of the slice size, plus or minus'),
    delay: whole('microseconds', MAX_MS, 'pause between slices (µs)'),
  }),
  limit_data: z.object({
    bytes: bytes('bytes let through before the connection is closed'),
  }),
} as const;

export type ToxicType = keyof typeof toxicAttributeSchemas;

/**
 * Attributes a client must give for the toxic to mean anything (a bandwidth toxic without a
 * rate, a latency toxic without a latency). The server still defaults them to 0, as Toxiproxy
 * does; the typed client makes leaving them out a compile error.
 */
export const requiredAttributes = {
  noop: [],
  latency: ['latency'],
  bandwidth: ['rate'],
  slow_close: ['delay'],
  timeout: ['timeout'],
  reset_peer: [],
  slicer: ['average_size'],
  limit_data: ['bytes'],
} as const satisfies { [T in ToxicType]: readonly (keyof z.output<(typeof toxicAttributeSchemas)[T]>)[] };
export type ToxicAttributes<T extends ToxicType = ToxicType> = z.output<(typeof toxicAttributeSchemas)[T]>;
export type AnyToxicAttributes = Record<string, number>;

export const TOXIC_TYPES = Object.keys(toxicAttributeSchemas) as ToxicType[];

export function isToxicType(type: unknown): type is ToxicType {
  return typeof type === 'string' && Object.hasOwn(toxicAttributeSchemas, type);
}

export function attributeNames(type: ToxicType): string[] {
  return Object.keys(toxicAttributeSchemas[type].shape);
}

export function defaultAttributes(type: ToxicType): AnyToxicAttributes {
  return Object.fromEntries(attributeNames(type).map((k) => [k, 0]));
}

const explainers: { [T in ToxicType]: (a: ToxicAttributes<T>) => string } = {
  noop: () => 'passes data unchanged',
  latency: (a) => `delays each chunk by ${a.latency} ms${a.jitter > 0 ? ` ± ${a.jitter} ms` : ''}`,
  bandwidth: (a) => (a.rate > 0 ? `limits the rate to ${a.rate} KB/s` : 'stalls all data (rate 0)'),
  slow_close: (a) => `delays the close by ${a.delay} ms`,
  timeout: (a) =>
    a.timeout > 0
      ? `drops all data and closes the connection after ${a.timeout} ms without data`
      : 'drops all data and holds the connection open',
  reset_peer: (a) => `resets the connection (TCP RST) ${a.timeout} ms after the first data`,
  slicer: (a) =>
    `slices data into pieces of ${a.average_size} ± ${a.size_variation} bytes, ${a.delay} µs apart`,
  limit_data: (a) => `closes the connection after ${a.bytes} bytes`,
};

/** One English line saying what a toxic does, for logs, the CLI, reports and error messages. */
export function explainToxic(type: ToxicType, attributes: AnyToxicAttributes): string {
  return (explainers[type] as (a: AnyToxicAttributes) => string)(attributes);
}
