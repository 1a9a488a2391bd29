import { z } from './zod.js';
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

function buildSchemas() {
  const toxic = z.discriminatedUnion(
    'type',
    TOXIC_TYPES.map((type) => toxicEntry(type)) as unknown as [ReturnType<typeof toxicEntry<'noop'>>],
    { error: `expected a toxic with "type" one of ${TOXIC_TYPES.join(', ')}` },
  );
  const proxy = z
    .object({
      name: z.string({ error: 'expected a non-empty string' }).min(1, { error: 'expected a non-empty string' }),
      listen: z.string({ error: 'expected "host:port"' }).optional().describe('address to listen on, e.g. 127.0.0.1:26379; default "" (every interface, a free port)'),
      upstream: z.string({ error: 'expected "host:port"' }).min(1, { error: 'expected "host:port"' }).describe('address to forward to'),
      enabled: z.boolean({ error: 'expected true or false' }).optional().describe('default true'),
      ...proxyExtrasShape,
      toxics: z.array(toxic, { error: 'expected a list of toxics' }).optional(),
    })
    .strict();
  const config = z
    .object({
      $schema: z.string().optional(),
      plugins: z
        .array(z.string({ error: 'expected a path' }).min(1, { error: 'expected a path' }), { error: 'expected a list of paths' })
        .optional()
        .describe('toxic plugins to load before the proxies, paths relative to this file (see docs/plugins.md)'),
      proxies: z.array(proxy, { error: 'expected a list of proxies' }),
    })
    .strict()
    .describe('faultline configuration: proxies and the toxics they start with');
  return { toxic, proxy, config, types: TOXIC_TYPES.length };
}

let built = buildSchemas();

/**
 * The schemas for the types known now: built again once a plugin has added a type, so a
 * config file (and the JSON Schema printed for editors) can use the plugin like a built-in.
 */
export function configSchemas(): Omit<ReturnType<typeof buildSchemas>, 'types'> {
  if (built.types !== TOXIC_TYPES.length) built = buildSchemas();
  return built;
}

/** The built-in types' schemas; `configSchemas()` includes plugins. */
export const toxicConfigSchema = built.toxic;
export const proxyConfigSchema = built.proxy;
export const configSchema = built.config;

export type ToxicConfig = z.output<typeof toxicConfigSchema>;
export type ProxyConfigEntry = z.output<typeof proxyConfigSchema>;
/** A proxy as a program declares it: Toxiproxy's populate entry plus the toxics it starts with. */
export interface ProxyConfig extends ProxySpec {
  toxics?: ToxicSpec[];
}
export type ConfigDocument = z.output<typeof configSchema>;

/** The JSON Schema of the config file, for editors; `schema/config.schema.json` is generated from it. */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchemas().config, { io: 'input' });
}
