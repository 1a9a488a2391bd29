import type { CodecRequest } from '../pipeline/codec.js';

/** A memcached command as matchers see it: the command in upper case as `method`, its first key as `path`. */
export class MemcachedRequest implements CodecRequest {
  readonly host = undefined;

  constructor(
    readonly number: number,
    readonly method: string,
    readonly path: string,
    /** The command as sent (lower case), to answer it in kind. */
    readonly command: string,
  ) {}

  header(): undefined {
    return undefined;
  }

  query(): undefined {
    return undefined;
  }
}
