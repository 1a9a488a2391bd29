import type { z } from '../api/zod.js';
import { formatPath } from '../api/decode.js';
import { REQUEST_MATCH_KEYS } from '../api/request-match.js';
import {
  attributeNames,
  explainToxic,
  isToxicType,
  TOXIC_TYPES,
  toxicAttributeSchemas,
  toxicLevel,
  type AnyToxicAttributes,
  type ToxicType,
} from '../api/toxic-types.js';
import { convert, describeShape, shapeOf, ValueError } from './attribute-values.js';
import { UserError } from './user-error.js';

const FRACTION = /^(\d+(\.\d*)?|\.\d+)$/;

/** `-a key=value` flags, split; values are read once the toxic's type is known. */
export function parseAttributes(pairs: readonly string[]): [string, string][] {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, Math.max(eq, 0)).trim();
    if (eq < 0 || key === '') {
      throw new UserError(`invalid --attribute ${JSON.stringify(pair)}: expected key=value, e.g. latency=1000`);
    }
    return [key, pair.slice(eq + 1).trim()];
  });
}

function schemaOf(type: ToxicType): Record<string, z.ZodType> {
  return toxicAttributeSchemas[type].shape as Record<string, z.ZodType>;
}

/** A type this build does not know (a custom toxic on a Toxiproxy build): numbers when they look like one. */
function guess(text: string): unknown {
  return /^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/**
 * Reads each value as its attribute's schema says, checks names and values against the schema
 * the server validates with, and spells names the way the schema does (the server, like
 * Toxiproxy, matches them case-insensitively). A type this build does not know is left to the
 * server.
 */
export function checkAttributes(type: string, pairs: readonly [string, string][]): AnyToxicAttributes {
  if (!isToxicType(type)) return Object.fromEntries(pairs.map(([k, v]) => [k, guess(v)]));
  const names = attributeNames(type);
  const checked: AnyToxicAttributes = {};
  for (const [given, text] of pairs) {
    const name = names.find((n) => n.toLowerCase() === given.toLowerCase());
    if (name === undefined) {
      const valid = names.length === 0 ? 'it takes no attributes' : `valid attributes: ${names.join(', ')}`;
      throw new UserError(`${type} toxic has no attribute ${JSON.stringify(given)}; ${valid}`);
    }
    const schema = schemaOf(type)[name] as z.ZodType;
    let value: unknown;
    try {
      value = convert(shapeOf(schema), text);
    } catch (err) {
      if (err instanceof ValueError) throw new UserError(`invalid value for attribute ${name}: ${err.message}`);
      throw err;
    }
    const result = schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue !== undefined && issue.path.length > 0 ? `${name}${formatPath(issue.path, '') .replace(/^(\w)/, '.$1')}` : name;
      const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
      throw new UserError(`invalid value for attribute ${where}: ${shown}: ${issue?.message ?? 'out of range'}`);
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
  const pairs = Object.entries(attributes).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return pairs.length === 0 ? `${type} toxic` : `${type} toxic with ${pairs.join(', ')}`;
}

function defaultText(schema: z.ZodType): string {
  const def = (schema as unknown as { def: { type: string; defaultValue?: unknown } }).def;
  if (def.type !== 'default') return '';
  const value = typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
  return ` [default ${typeof value === 'string' ? value : JSON.stringify(value)}]`;
}

function attributeLines(entries: [string, z.ZodType][], label: string, width: number, nameWidth: number): string[] {
  if (entries.length === 0) return [`  ${label.padEnd(width)}  (no attributes)`];
  return entries.map(([name, schema], i) => {
    const what = `${schema.description ?? ''}${defaultText(schema)} (${describeShape(shapeOf(schema))})`;
    return `  ${(i === 0 ? label : '').padEnd(width)}  ${name.padEnd(nameWidth)}  ${what}`;
  });
}

/** The help text's list of types and attributes, generated from the server's own schemas. */
export function toxicTypesHelp(): string {
  const typeWidth = Math.max(...TOXIC_TYPES.map((t) => t.length));
  const own = (type: ToxicType) => Object.entries(schemaOf(type)).filter(([n]) => toxicLevel(type) === 'stream' || !(REQUEST_MATCH_KEYS as string[]).includes(n));
  const nameWidth = Math.max(...TOXIC_TYPES.flatMap((t) => own(t).map(([n]) => n.length)), ...REQUEST_MATCH_KEYS.map((k) => k.length));
  const lines = ['Byte-level toxics (any proxy; Toxiproxy\'s), -t TYPE -a name=value:'];
  for (const type of TOXIC_TYPES.filter((t) => toxicLevel(t) === 'stream')) lines.push(...attributeLines(own(type), type, typeWidth, nameWidth));
  lines.push('', 'Request-level toxics (proxies created with --protocol http), acting on single requests:');
  for (const type of TOXIC_TYPES.filter((t) => toxicLevel(t) === 'request')) lines.push(...attributeLines(own(type), type, typeWidth, nameWidth));
  lines.push('', 'Every request-level toxic also takes, to choose the requests it acts on:');
  const matchSchemas = schemaOf('error');
  lines.push(...attributeLines(REQUEST_MATCH_KEYS.map((k) => [k, matchSchemas[k] as z.ZodType]), '', typeWidth, nameWidth));
  return lines.join('\n');
}
