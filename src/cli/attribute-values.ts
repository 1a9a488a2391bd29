import type { z } from '../api/zod.js';

/**
 * Reads `-a key=value` text as the attribute's schema says: numbers, booleans, strings,
 * `a,b,c` lists, and JSON for objects. The schema then validates the value as the server will.
 */
type Kind = 'int' | 'number' | 'boolean' | 'string' | 'array' | 'object' | 'true' | 'union';

interface Shape {
  kind: Kind;
  /** The allowed words of an enum. */
  words?: string[];
  element?: Shape;
  options?: Shape[];
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  entries?: Record<string, string>;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

export function shapeOf(schema: z.ZodType): Shape {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
    case 'readonly':
      return shapeOf(def.innerType as z.ZodType);
    case 'number':
      return { kind: (schema as unknown as { format?: string | null }).format?.includes('int') === true ? 'int' : 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      return { kind: 'array', element: shapeOf(def.element as z.ZodType) };
    case 'object':
    case 'record':
      return { kind: 'object' };
    case 'enum':
      return { kind: 'string', words: Object.values(def.entries ?? {}) };
    case 'literal':
      return def.values?.[0] === true ? { kind: 'true' } : { kind: 'string' };
    case 'union':
      return { kind: 'union', options: (def.options ?? []).map(shapeOf) };
    default:
      return { kind: 'string' };
  }
}

/** What `-a` expects, for help text: `ms`, `true|false`, `a,b,…`, `JSON`. */
export function describeShape(shape: Shape): string {
  switch (shape.kind) {
    case 'int':
      return 'whole number';
    case 'number':
      return 'number';
    case 'boolean':
      return 'true|false';
    case 'string':
      return shape.words === undefined ? 'text' : shape.words.join('|');
    case 'true':
      return 'true';
    case 'array':
      return `list: ${describeShape(shape.element as Shape)},…`;
    case 'object':
      return 'JSON object';
    case 'union':
      return (shape.options ?? []).map(describeShape).join(' or ');
  }
}

export class ValueError extends Error {}

const WHOLE = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function convert(shape: Shape, text: string): unknown {
  switch (shape.kind) {
    case 'int':
      if (!WHOLE.test(text)) throw new ValueError(`${JSON.stringify(text)} is not a whole number`);
      return Number(text);
    case 'number':
      if (!NUMBER.test(text)) throw new ValueError(`${JSON.stringify(text)} is not a number`);
      return Number(text);
    case 'boolean': {
      const lower = text.toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(lower)) return true;
      if (['false', 'no', '0', 'off'].includes(lower)) return false;
      throw new ValueError(`${JSON.stringify(text)} is not true or false`);
    }
    case 'string':
      return text;
    case 'true':
      if (text !== 'true') throw new ValueError(`${JSON.stringify(text)} is not true`);
      return true;
    case 'array':
      if (text.startsWith('[')) return json(text);
      return text === '' ? [] : text.split(',').map((part) => convert(shape.element as Shape, part.trim()));
    case 'object': {
      const value = json(text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ValueError(`expected a JSON object, e.g. {"x-test":"42"}, got ${text}`);
      return value;
    }
    case 'union': {
      const options = shape.options ?? [];
      const has = (kind: Kind) => options.find((o) => o.kind === kind);
      if (text.startsWith('{') || text.startsWith('[')) return json(text);
      const list = has('array');
      if (list !== undefined && text.includes(',')) return convert(list, text);
      if (text === 'true' && (has('true') ?? has('boolean')) !== undefined) return true;
      if (has('string') !== undefined) return text;
      const numeric = has('int') ?? has('number');
      if (numeric !== undefined) return convert(numeric, text);
      return list !== undefined ? convert(list, text) : text;
    }
  }
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValueError(`${JSON.stringify(text)} is not valid JSON (${(err as Error).message})`);
  }
}
