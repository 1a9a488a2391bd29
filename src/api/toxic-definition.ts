import type { z } from './zod.js';

/**
 * How a toxic acts. `stream`: on the bytes of one direction of every connection (Toxiproxy's
 * toxics, any protocol). `request`: once per request of a framed protocol (`http`, …), deciding
 * whether that request is forwarded, delayed, answered with an error, or dropped.
 */
export type ToxicLevel = 'stream' | 'request';

type Keys<S extends z.ZodObject> = keyof z.output<S> & string;

/**
 * A toxic type's wire contract: its attribute schema (any JSON types, with defaults), the
 * attributes a typed client must give, and a one-line English explanation. The API validates
 * with it, the CLI parses `-a key=value` by it, the config file's JSON Schema and the client's
 * types are derived from it. The implementation lives in the data plane, keyed by the same name.
 */
export interface ToxicDefinition<S extends z.ZodObject = z.ZodObject, R extends readonly Keys<S>[] = readonly Keys<S>[]> {
  readonly level: ToxicLevel;
  readonly attributes: S;
  readonly required: R;
  explain(attributes: z.output<S>): string;
}

/** Keeps each definition's own attribute types, so `explain` and client types are checked. */
export function defineToxic<S extends z.ZodObject, const R extends readonly Keys<S>[]>(
  definition: ToxicDefinition<S, R>,
): ToxicDefinition<S, R> {
  return definition;
}
