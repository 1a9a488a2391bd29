import { z } from 'zod';
import { decode, normaliseKeys } from './decode.js';
import { badRequestBody, invalidStream, invalidToxicType, toxicExists } from './errors.js';
import {
  attributeNames,
  defaultAttributes,
  isToxicType,
  toxicAttributeSchemas,
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
}

/** A toxic of a known type as the API sends it, with that type's attributes. */
export type Toxic<T extends ToxicType = ToxicType> = {
  [K in T]: Omit<ToxicJson, 'type' | 'attributes'> & { type: K; attributes: ToxicAttributes<K> };
}[T];

/** The attributes a client sends for type `T`: the meaningful ones required, the rest optional. */
export type ToxicAttributesInput<T extends ToxicType> = Pick<
  ToxicAttributes<T>,
  Extract<(typeof requiredAttributes)[T][number], keyof ToxicAttributes<T>>
> &
  Partial<ToxicAttributes<T>>;

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
  attributes?: Partial<ToxicAttributes<T>>;
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
  type: ToxicType;
  stream: Stream;
  /** The stream as sent, which Toxiproxy reports back verbatim. */
  streamText: string;
  toxicity: number;
  attributes: AnyToxicAttributes;
}

function decodeAttributes(
  type: ToxicType,
  raw: Record<string, unknown> | undefined,
  base: AnyToxicAttributes,
): AnyToxicAttributes {
  if (raw === undefined) return { ...base };
  const partial = toxicAttributeSchemas[type].partial();
  const given = decode(partial, normaliseKeys(raw, attributeNames(type)), 'attributes') as AnyToxicAttributes;
  return { ...base, ...given };
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
  const name = b.name !== undefined && b.name !== '' ? b.name : `${type}_${streamText}`;
  if (!isToxicType(type)) throw invalidToxicType();
  if (taken?.(name) === true) throw toxicExists();
  const attributes = decodeAttributes(type, b.attributes, defaultAttributes(type));
  return { name, type, stream, streamText, toxicity: toFloat32(b.toxicity ?? 1), attributes };
}

export interface ToxicUpdate {
  toxicity: number;
  attributes: AnyToxicAttributes;
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
  };
}
