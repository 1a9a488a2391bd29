import { paths } from '../api/routes.js';
import type { Stream, Toxic, ToxicChange } from '../api/toxic.js';
import type { ToxicAttributes, ToxicType } from '../api/toxic-types.js';
import { FaultlineError } from './errors.js';
import type { Transport } from './http.js';

/**
 * A toxic on a proxy. Disposing of it (`await using`) removes it; a toxic that is already gone
 * (removed, or swept by a reset) counts as removed.
 */
export class ToxicHandle<T extends ToxicType = ToxicType> implements AsyncDisposable {
  name: string;
  type: T;
  stream: Stream;
  toxicity: number;
  attributes: ToxicAttributes<T>;

  constructor(
    private readonly transport: Transport,
    readonly proxy: string,
    json: Toxic<T>,
  ) {
    this.name = json.name;
    this.type = json.type as T;
    this.stream = json.stream.toLowerCase() as Stream;
    this.toxicity = json.toxicity;
    this.attributes = json.attributes as ToxicAttributes<T>;
  }

  private assign(json: Toxic<T>): this {
    this.toxicity = json.toxicity;
    this.attributes = json.attributes as ToxicAttributes<T>;
    return this;
  }

  /** Merges `attributes` into the current ones; toxicity is kept unless given. */
  async update(change: ToxicChange<T>): Promise<this> {
    const { checkAttributeNames } = await import('./attributes.js');
    checkAttributeNames(this.type, change.attributes);
    return this.assign(await this.transport.request<Toxic<T>>('PATCH', paths.toxic(this.proxy, this.name), change));
  }

  async refresh(): Promise<this> {
    return this.assign(await this.transport.request<Toxic<T>>('GET', paths.toxic(this.proxy, this.name)));
  }

  async remove(): Promise<void> {
    await this.transport.request('DELETE', paths.toxic(this.proxy, this.name));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.remove();
    } catch (err) {
      // Gone already (removed, or swept with its proxy by a reset or delete) counts as removed.
      const code = err instanceof FaultlineError ? err.code : undefined;
      if (code !== 'TOXIC_NOT_FOUND' && code !== 'PROXY_NOT_FOUND') throw err;
    }
  }

  toJSON(): Toxic<T> {
    return {
      attributes: this.attributes,
      name: this.name,
      type: this.type,
      stream: this.stream,
      toxicity: this.toxicity,
    } as Toxic<T>;
  }
}
