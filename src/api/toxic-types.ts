import type { z } from 'zod';
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

export const TOXIC_TYPES = Object.keys(toxicDefinitions) as ToxicType[];

export function isToxicType(type: unknown): type is ToxicType {
  return typeof type === 'string' && Object.hasOwn(toxicDefinitions, type);
}

export function toxicDefinition(type: ToxicType): ToxicDefinition {
  return toxicDefinitions[type] as unknown as ToxicDefinition;
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
