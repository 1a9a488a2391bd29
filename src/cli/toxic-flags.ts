import type { z } from 'zod';
import {
  attributeNames,
  explainToxic,
  isToxicType,
  TOXIC_TYPES,
  toxicAttributeSchemas,
  type AnyToxicAttributes,
  type ToxicType,
} from '../api/toxic-types.js';
import { UserError } from './user-error.js';

const WHOLE = /^[+-]?\d+$/;
const FRACTION = /^(\d+(\.\d*)?|\.\d+)$/;

/** Collects repeated `-a key=value` flags, for commander. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * `-a key=value` flags, checked for form before anything is sent. toxiproxy-cli sends a value
 * that is not a number as a string and lets the server refuse it; every attribute is a whole
 * number, so saying so here is clearer.
 */
export function parseAttributes(pairs: readonly string[]): AnyToxicAttributes {
  const attributes: AnyToxicAttributes = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, Math.max(eq, 0)).trim();
    if (eq < 0 || key === '') {
      throw new UserError(`invalid --attribute ${JSON.stringify(pair)}: expected key=value, e.g. latency=1000`);
    }
    const value = pair.slice(eq + 1).trim();
    if (!WHOLE.test(value)) {
      throw new UserError(`invalid value for attribute ${key}: ${JSON.stringify(value)} is not a whole number`);
    }
    attributes[key] = Number(value);
  }
  return attributes;
}

function schemaOf(type: ToxicType): Record<string, z.ZodType> {
  return toxicAttributeSchemas[type].shape;
}

/**
 * Checks names and ranges against the schema the server validates with, and spells names the
 * way the schema does (the server, like Toxiproxy, matches them case-insensitively). A type this
 * build does not know (a custom toxic on a Toxiproxy build) is left to the server.
 */
export function checkAttributes(type: string, attributes: AnyToxicAttributes): AnyToxicAttributes {
  if (!isToxicType(type)) return attributes;
  const names = attributeNames(type);
  const checked: AnyToxicAttributes = {};
  for (const [given, value] of Object.entries(attributes)) {
    const name = names.find((n) => n.toLowerCase() === given.toLowerCase());
    if (name === undefined) {
      const valid = names.length === 0 ? 'it takes no attributes' : `valid attributes: ${names.join(', ')}`;
      throw new UserError(`${type} toxic has no attribute ${JSON.stringify(given)}; ${valid}`);
    }
    const result = schemaOf(type)[name]?.safeParse(value);
    if (result?.success === false) {
      throw new UserError(`invalid value for attribute ${name}: ${value}: ${result.error.issues[0]?.message ?? 'out of range'}`);
    }
    checked[name] = value;
  }
  return checked;
}

export function checkType(type: string): ToxicType {
  if (isToxicType(type)) return type;
  throw new UserError(`unknown toxic type ${JSON.stringify(type)}; expected one of ${TOXIC_TYPES.join(', ')}`);
}

/** `--toxicity`: the share of connections the toxic affects, 0 to 1; undefined when not given. */
export function parseToxicity(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  if (!FRACTION.test(text.trim()) || value > 1) {
    throw new UserError(`invalid --toxicity ${JSON.stringify(text)}: expected a number from 0 to 1`);
  }
  return value;
}

/** What a toxic does, in one line; a type this build does not know shows its attributes. */
export function explain(type: string, attributes: AnyToxicAttributes): string {
  if (isToxicType(type)) return explainToxic(type, attributes);
  const pairs = Object.entries(attributes).map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? `${type} toxic` : `${type} toxic with ${pairs.join(', ')}`;
}

/** The help text's list of types and attributes, generated from the server's own schemas. */
export function toxicTypesHelp(): string {
  const typeWidth = Math.max(...TOXIC_TYPES.map((t) => t.length));
  const attrWidth = Math.max(...TOXIC_TYPES.flatMap(attributeNames).map((n) => n.length));
  const lines = ['Toxic types (-t) and their attributes (-a name=value; whole numbers, default 0):'];
  for (const type of TOXIC_TYPES) {
    const entries = Object.entries(schemaOf(type));
    if (entries.length === 0) lines.push(`  ${type.padEnd(typeWidth)}  (no attributes)`);
    entries.forEach(([name, schema], i) => {
      const label = i === 0 ? type : '';
      lines.push(`  ${label.padEnd(typeWidth)}  ${name.padEnd(attrWidth)}  ${schema.description ?? ''}`);
    });
  }
  return lines.join('\n');
}
