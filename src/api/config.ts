import { z } from 'zod';
import { proxyExtrasShape } from './proxy.js';
import type { ProxySpec } from './proxy.js';
import type { ToxicSpec } from './toxic.js';
import { TOXIC_TYPES, toxicAttributeSchemas, type ToxicType } from './toxic-types.js';

/**
 * The config file: proxies in the API's shape, each with the toxics it starts with. Unlike the
 * API, unknown keys are errors here: in a file a misspelling is a mistake, not a newer client.
 */
const toxicityRule = 'expected a number from 0 to 1';

function toxicEntry<T extends ToxicType>(type: T) {
  return z
    .object({
      type: z.literal(type),
      name: z.string().min(1, { error: 'expected a non-empty string' }).optional().describe('default: <type>_<stream>'),
      stream: z.enum(['upstream', 'downstream'], { error: 'expected "upstream" or "downstream"' }).optional().describe('default: downstream'),
      toxicity: z.number({ error: toxicityRule }).min(0, { error: toxicityRule }).max(1, { error: toxicityRule }).optional().describe('probability that the toxic applies to a connection; default 1'),
      attributes: toxicAttributeSchemas[type].partial().strict().optional(),
    })
    .strict();
}

export const toxicConfigSchema = z.discriminatedUnion(
  'type',
  TOXIC_TYPES.map((type) => toxicEntry(type)) as unknown as [ReturnType<typeof toxicEntry<'noop'>>],
  { error: `expected a toxic with "type" one of ${TOXIC_TYPES.join(', ')}` },
);

export const proxyConfigSchema = z
  .object({
    name: z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' }),
    listen: z.string({ error: 'expected "host:port"' }).optional().describe('address to listen on, e.g. 127.0.0.1:26379; default "" (every interface, a free port)'),
    upstream: z.string({ error: 'expected "host:port"' }).min(1, { error: 'expected "host:port"' }).describe('address to forward to'),
    enabled: z.boolean({ error: 'expected true or false' }).optional().describe('default true'),
    ...proxyExtrasShape,
    toxics: z.array(toxicConfigSchema, { error: 'expected a list of toxics' }).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    proxies: z.array(proxyConfigSchema, { error: 'expected a list of proxies' }),
  })
  .strict()
  .describe('faultline configuration: proxies and the toxics they start with');

export type ToxicConfig = z.output<typeof toxicConfigSchema>;
export type ProxyConfigEntry = z.output<typeof proxyConfigSchema>;
/** A proxy as a program declares it: Toxiproxy's populate entry plus the toxics it starts with. */
export interface ProxyConfig extends ProxySpec {
  toxics?: ToxicSpec[];
}
export type ConfigDocument = z.output<typeof configSchema>;

/** The JSON Schema of the config file, for editors; `schema/config.schema.json` is generated from it. */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: 'input' });
}
