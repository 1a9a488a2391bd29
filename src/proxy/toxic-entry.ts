import type { Stream, ToxicJson } from '../api/toxic.js';
import type { AnyToxicAttributes, ToxicType } from '../api/toxic-types.js';
import type { ToxicImpl } from '../toxics/types.js';

/** A toxic as configured on a proxy: one object shared by every live link of its direction. */
export class ToxicEntry {
  /** Connections this toxic has acted on: its toxicity roll applied it. */
  activations = 0;

  constructor(
    readonly name: string,
    readonly type: ToxicType,
    readonly stream: Stream,
    /** The stream as the client spelled it; Toxiproxy echoes it back. */
    readonly streamText: string,
    public toxicity: number,
    public attributes: AnyToxicAttributes,
    readonly impl: ToxicImpl,
  ) {}

  toJSON(): ToxicJson {
    return {
      attributes: this.attributes,
      name: this.name,
      type: this.type,
      stream: this.streamText,
      toxicity: this.toxicity,
    };
  }
}
