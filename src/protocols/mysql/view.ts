import type { CodecRequest } from '../pipeline/codec.js';
import type { ReplyKind } from './session.js';

/** One MySQL command as matchers see it: `method` the statement's first keyword (or the command's name), `path` its text. */
export class MyRequestView implements CodecRequest {
  number = 0;
  readonly host = undefined;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly kind: ReplyKind | null,
    /** The sequence id of the command's last packet: an injected ERR takes the next one. */
    public seq: number,
    readonly opening?: boolean,
    readonly localAnswer?: Buffer,
  ) {}

  header(): string | undefined {
    return undefined;
  }

  query(): string | undefined {
    return undefined;
  }
}
