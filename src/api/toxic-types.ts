import { z } from './zod.js';
import { addPluginBehavior } from './behaviors.js';
import { byteToxics } from './byte-toxics.js';
import { requestToxics } from './request-toxics.js';
import type { ToxicDefinition, ToxicLevel } from './toxic-definition.js';

export { MAX_MS } from './byte-toxics.js';
export type { ToxicDefinition, ToxicLevel } from './toxic-definition.js';

/**
 * Every built-in toxic type: the wire contract the server validates with and the client, CLI,
 * config schema and docs are derived from.
 */
export const toxicDefinitions = { ...byteToxics, ...requestToxics };

export type ToxicType = keyof typeof toxicDefinitions;

/** Each type's attribute schema, as a map (the config file's discriminated union uses it). */
export const toxicAttributeSchemas = Object.fromEntries(
  Object.entries(toxicDefinitions).map(([type, def]) => [type, def.attributes]),
) as { [T in ToxicType]: (typeof toxicDefinitions)[T]['attributes'] };

/** The attributes a client must give for a toxic to mean anything; the rest have defaults. */
export const requiredAttributes = Object.fromEntries(
  Object.entries(toxicDefinitions).map(([type, def]) => [type, def.required]),
) as { [T in ToxicType]: (typeof toxicDefinitions)[T]['required'] };

export type ToxicAttributes<T extends ToxicType = ToxicType> = z.output<(typeof toxicDefinitions)[T]['attributes']>;
/** A toxic's attributes when its type is not known statically: any JSON values. */
export type AnyToxicAttributes = Record<string, unknown>;

/**
 * Every type this process knows, built-ins first, then plugins in the order they were
 * registered. A plugin's name is a ToxicType at run time only: its attributes are typed where
 * the plugin is (see `pluginToxic` in src/plugin.ts), not in this static map.
 */
export const TOXIC_TYPES = Object.keys(toxicDefinitions) as ToxicType[];

/** Plugin definitions by type name, registered at start-up (src/server/plugins.ts). */
const pluginDefinitions = new Map<string, ToxicDefinition>();

export function isToxicType(type: unknown): type is ToxicType {
  return typeof type === 'string' && (Object.hasOwn(toxicDefinitions, type) || pluginDefinitions.has(type));
}

export function isBuiltInType(type: string): boolean {
  return Object.hasOwn(toxicDefinitions, type);
}

export function toxicDefinition(type: ToxicType): ToxicDefinition {
  return (pluginDefinitions.get(type) ?? toxicDefinitions[type]) as unknown as ToxicDefinition;
}

/**
 * Adds a plugin's type to every table derived from the definitions, so the API, the CLI's help,
 * the config schema and the client's checks treat it as a built-in. Registering the same
 * definition again is a no-op (a second server in one process); any other clash throws.
 */
export function registerToxicType(type: string, definition: ToxicDefinition): void {
  const existing = pluginDefinitions.get(type);
  if (existing === definition) return;
  if (existing !== undefined || Object.hasOwn(toxicDefinitions, type)) {
    throw new Error(`toxic type ${JSON.stringify(type)} is already ${existing === undefined ? 'a built-in type' : 'registered by another plugin'}`);
  }
  pluginDefinitions.set(type, definition);
  (TOXIC_TYPES as string[]).push(type);
  (toxicAttributeSchemas as Record<string, z.ZodObject>)[type] = definition.attributes;
  (requiredAttributes as Record<string, readonly string[]>)[type] = definition.required;
  if (definition.level === 'request') addPluginBehavior(type);
}

export function toxicLevel(type: ToxicType): ToxicLevel {
  return toxicDefinition(type).level;
}

export function attributeNames(type: ToxicType): string[] {
  return Object.keys(toxicDefinition(type).attributes.shape);
}

/** The attributes a toxic gets when none are given: every default of its schema. */
export function defaultAttributes(type: ToxicType): AnyToxicAttributes {
  return toxicDefinition(type).attributes.parse({}) as AnyToxicAttributes;
}

/** One English line saying what a toxic does, for logs, the CLI, reports and error messages. */
export function explainToxic(type: ToxicType, attributes: AnyToxicAttributes): string {
  const def = toxicDefinition(type);
  const parsed = def.attributes.safeParse(attributes);
  return def.explain(parsed.success ? parsed.data : { ...defaultAttributes(type), ...attributes });
}

/**
 * A toxic type as `GET /toxic-types` lists it: enough to build a form for it (the dashboard
 * does) or check a spec, generated from the same definitions the server validates with.
 */
export interface ToxicTypeJson {
  type: string;
  level: ToxicLevel;
  /** Loaded from a plugin rather than built in. */
  plugin: boolean;
  /** Attributes a client must give for the toxic to mean anything. */
  required: readonly string[];
  defaults: AnyToxicAttributes;
  /** The explanation of the toxic with every attribute at its default. */
  explanation: string;
  /** The attributes' JSON Schema (draft 2020-12, input side: what a client may send). */
  schema: object;
}

let typesJson: { count: number; list: ToxicTypeJson[] } | undefined;

/** Every type this server knows, built-ins then plugins; rebuilt only when a plugin was added. */
export function toxicTypesJson(): ToxicTypeJson[] {
  if (typesJson?.count !== TOXIC_TYPES.length) {
    const list = TOXIC_TYPES.map((type) => {
      const def = toxicDefinition(type);
      return {
        type,
        level: def.level,
        plugin: !isBuiltInType(type),
        required: def.required,
        defaults: defaultAttributes(type),
        explanation: explainToxic(type, defaultAttributes(type)),
        schema: z.toJSONSchema(def.attributes, { io: 'input', unrepresentable: 'any' }),
      };
    });
    typesJson = { count: TOXIC_TYPES.length, list };
  }
  return typesJson.list;
}
