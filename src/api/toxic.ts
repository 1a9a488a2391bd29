import { z } from './zod.js';
import { decode, normaliseKeys } from './decode.js';
import { badRequestBody, invalidStream, invalidToxicType, toxicExists } from './errors.js';
import { defaultToxicName } from './toxic-name.js';
import {
  attributeNames,
  defaultAttributes,
  isToxicType,
  toxicAttributeSchemas,
  toxicLevel,
  type AnyToxicAttributes,
  type requiredAttributes,
  type ToxicAttributes,
  type ToxicType,
} from './toxic-types.js';

export type Stream = 'upstream' | 'downstream';

/** A toxic as the API sends it; key order is Toxiproxy's. */
export interface ToxicJson {
  attributes: AnyToxicAttributes;
  name: string;
  type: ToxicType;
  stream: string;
  toxicity: number;
  /** faultline's one-line explanation; only when asked for (`?explain=true`). */
  explanation?: string;
}


/** A toxic of a known type as the API sends it, with that type's attributes. */
export type Toxic<T extends ToxicType = ToxicType> = {
  [K in T]: Omit<ToxicJson, 'type' | 'attributes'> & { type: K; attributes: ToxicAttributes<K> };
}[T];

type AttributesIn<T extends ToxicType> = z.input<(typeof toxicAttributeSchemas)[T]>;

/** The attributes a client sends for type `T`: the meaningful ones required, the rest optional. */
export type ToxicAttributesInput<T extends ToxicType> = AttributesIn<T> &
  Required<Pick<AttributesIn<T>, Extract<(typeof requiredAttributes)[T][number], keyof AttributesIn<T>>>>;

/**
 * A toxic to create, typed by its `type`: `{ type: 'latency', attributes: { latancy: 5 } }` or
 * `{ type: 'bandwidth', attributes: {} }` do not compile.
 */
export type ToxicSpec<T extends ToxicType = ToxicType> = {
  [K in T]: {
    type: K;
    name?: string;
    stream?: Stream;
    toxicity?: number;
  } & ((typeof requiredAttributes)[K] extends readonly []
    ? { attributes?: ToxicAttributesInput<K> }
    : { attributes: ToxicAttributesInput<K> });
}[T];

/** A change to a toxic: attributes are merged into the current ones, toxicity kept if omitted. */
export interface ToxicChange<T extends ToxicType = ToxicType> {
  toxicity?: number;
  attributes?: Partial<AttributesIn<T>>;
}

const TOXIC_KEYS = ['name', 'type', 'stream', 'toxicity', 'attributes'] as const;
const toxicityRule = 'expected a number from 0 to 1';
const toxicBody = z.object({
  name: z.string({ error: 'expected a string' }).optional(),
  type: z.string({ error: 'expected a string' }).optional(),
  stream: z.string({ error: 'expected a string' }).optional(),
  toxicity: z
    .number({ error: toxicityRule })
    .min(0, { error: toxicityRule })
    .max(1, { error: toxicityRule })
    .optional(),
  attributes: z.record(z.string(), z.unknown(), { error: 'expected an object' }).optional(),
});

/**
 * Toxiproxy keeps toxicity as a float32 and prints its shortest form (0.123456789 → 0.12345679);
 * clients that compare what they sent with what they get back see the same digits here.
 */
export function toFloat32(x: number): number {
  const f = Math.fround(x);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** `upstream`/`downstream` in any letter case; Toxiproxy echoes the spelling it was sent. */
export function parseStream(text: string): Stream {
  const lower = text.toLowerCase();
  if (lower === 'upstream' || lower === 'downstream') return lower;
  throw invalidStream();
}

export interface ToxicCreate {
  name: string;
  /** Attribute names the type does not have: accepted, as Toxiproxy does, and reported. */
  unknownAttributes: string[];
  type: ToxicType;
  stream: Stream;
  /** The stream as sent, which Toxiproxy reports back verbatim. */
  streamText: string;
  toxicity: number;
  attributes: AnyToxicAttributes;
}

/** Attribute names the schema does not know, which Toxiproxy accepts and ignores. */
function unknownNames(type: ToxicType, raw: Record<string, unknown> | undefined): string[] {
  if (raw === undefined) return [];
  const known = attributeNames(type).map((k) => k.toLowerCase());
  return Object.keys(raw).filter((k) => !known.includes(k.toLowerCase()));
}

/**
 * Given attributes over `base` (the defaults, or the current ones on an update), validated as a
 * whole, so a rule across attributes holds after every update too.
 */
function decodeAttributes(
  type: ToxicType,
  raw: Record<string, unknown> | undefined,
  base: AnyToxicAttributes,
): AnyToxicAttributes {
  const names = attributeNames(type);
  const given = raw === undefined ? {} : (normaliseKeys(raw, names) as AnyToxicAttributes);
  const merged = { ...base, ...given };
  if (raw !== undefined && toxicLevel(type) === 'request') {
    // faultline's own toxics have no Toxiproxy client to stay compatible with: a misspelt
    // attribute would silently widen a fault to every request, so it is an error, and null
    // removes an attribute (back to its default), so an update can drop a match or a count.
    const unknown = unknownNames(type, raw);
    if (unknown.length > 0) {
      throw badRequestBody(`attributes.${unknown[0]}: ${type} has no such attribute; valid attributes: ${names.join(', ')}`);
    }
    for (const [key, value] of Object.entries(raw)) {
      const name = names.find((n) => n.toLowerCase() === key.toLowerCase());
      if (value === null && name !== undefined) delete merged[name];
    }
  }
  return decode(toxicAttributeSchemas[type], merged, 'attributes') as AnyToxicAttributes;
}

function decodeToxicBody(body: unknown) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequestBody('expected a JSON object');
  }
  return decode(toxicBody, normaliseKeys(body, TOXIC_KEYS));
}

/**
 * Validates a toxic create body in Toxiproxy's order: stream, name, type, uniqueness of the name
 * (409, when `taken` is given), then attributes, so a client sees the same error Toxiproxy
 * would give when a body has more than one problem.
 */
export function decodeToxicCreate(body: unknown, taken?: (name: string) => boolean): ToxicCreate {
  const b = decodeToxicBody(body);
  const streamText = b.stream ?? 'downstream';
  const stream = parseStream(streamText);
  const type = b.type ?? '';
  const name = b.name !== undefined && b.name !== '' ? b.name : defaultToxicName(type, streamText);
  if (!isToxicType(type)) throw invalidToxicType();
  if (taken?.(name) === true) throw toxicExists();
  const attributes = decodeAttributes(type, b.attributes, defaultAttributes(type));
  const unknownAttributes = unknownNames(type, b.attributes);
  return { name, type, stream, streamText, toxicity: toFloat32(b.toxicity ?? 1), attributes, unknownAttributes };
}

export interface ToxicUpdate {
  toxicity: number;
  attributes: AnyToxicAttributes;
  unknownAttributes: string[];
}

/**
 * An update merges `attributes` over the current ones and keeps `toxicity` when omitted; other
 * fields are ignored, as in Toxiproxy. Unlike Toxiproxy, nothing is changed when any part fails.
 */
export function decodeToxicUpdate(
  body: unknown,
  current: { type: ToxicType; toxicity: number; attributes: AnyToxicAttributes },
): ToxicUpdate {
  const b = decodeToxicBody(body);
  return {
    toxicity: b.toxicity === undefined ? current.toxicity : toFloat32(b.toxicity),
    attributes: decodeAttributes(current.type, b.attributes, current.attributes),
    unknownAttributes: unknownNames(current.type, b.attributes),
  };
}
