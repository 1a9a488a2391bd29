import type { RequestMatch } from '../api/request-match.js';
import type { Stream, ToxicJson } from '../api/toxic.js';
import { explainToxic, toxicLevel, type AnyToxicAttributes, type ToxicLevel, type ToxicType } from '../api/toxic-types.js';
import { RequestMatcher } from '../protocols/match.js';
import type { RequestToxicImpl } from '../protocols/message.js';
import type { ToxicImpl } from '../toxics/types.js';
import { Random } from './random.js';

/**
 * What a toxic keeps across every connection of its proxy: the count of matching requests,
 * the probability stream, the compiled matcher, and a toxic's own state (a rate limit's window).
 * An update replaces it, so counts restart then.
 */
export class ToxicShared {
  matched = 0;
  readonly rng: Random;
  readonly data: Record<string, unknown> = {};
  private compiled: RequestMatcher | null = null;

  constructor(
    seed: number,
    private readonly attributes: AnyToxicAttributes,
  ) {
    this.rng = new Random(seed);
  }

  get matcher(): RequestMatcher {
    return (this.compiled ??= new RequestMatcher(this.attributes as RequestMatch));
  }
}

export type ToxicImplOf = { level: 'stream'; impl: ToxicImpl<any> } | { level: 'request'; impl: RequestToxicImpl<any> };

/** A toxic as configured on a proxy: one object shared by every live link of its direction. */
export class ToxicEntry {
  /** Connections this toxic has acted on: its toxicity roll applied it. */
  activations = 0;
  /** Requests it has acted on (request-level toxics). */
  fired = 0;
  readonly level: ToxicLevel;
  shared: ToxicShared;
  private generation = 0;

  constructor(
    readonly name: string,
    readonly type: ToxicType,
    readonly stream: Stream,
    /** The stream as the client spelled it; Toxiproxy echoes it back. */
    readonly streamText: string,
    public toxicity: number,
    public attributes: AnyToxicAttributes,
    readonly implementation: ToxicImplOf,
    /** Derives a seed for this toxic's shared random stream; stable for a server seed. */
    private readonly seedFor: (purpose: string) => number,
  ) {
    this.level = toxicLevel(type);
    this.shared = new ToxicShared(seedFor('shared:0'), attributes);
  }

  /** Byte-level implementation; only for `stream` toxics. */
  get impl(): ToxicImpl<any> {
    if (this.implementation.level !== 'stream') throw new Error(`${this.type} is not a byte-level toxic`);
    return this.implementation.impl;
  }

  change(toxicity: number, attributes: AnyToxicAttributes): void {
    this.toxicity = toxicity;
    this.attributes = attributes;
    this.shared = new ToxicShared(this.seedFor(`shared:${++this.generation}`), attributes);
  }

  explain(): string {
    return explainToxic(this.type, this.attributes);
  }

  toJSON(explain = false): ToxicJson {
    const json: ToxicJson = {
      attributes: this.attributes,
      name: this.name,
      type: this.type,
      stream: this.streamText,
      toxicity: this.toxicity,
    };
    if (explain) json.explanation = this.explain();
    return json;
  }
}

