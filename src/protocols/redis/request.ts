import type { CodecRequest } from '../pipeline/codec.js';

/** A Redis command as matchers see it: the command name as `method`, its first key as `path`. */
export class RedisRequest implements CodecRequest {
  readonly host = undefined;

  constructor(
    readonly number: number,
    readonly method: string,
    readonly path: string,
    /** The protocol version before this request (HELLO changes it; an answered HELLO restores it). */
    readonly resp3Before: boolean,
  ) {}

  header(): undefined {
    return undefined;
  }

  query(): undefined {
    return undefined;
  }
}
