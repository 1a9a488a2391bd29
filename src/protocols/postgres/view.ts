import type { CodecRequest } from '../pipeline/codec.js';

/** One PostgreSQL request as matchers see it: `method` the statement's first keyword, `path` its text. */
export class PgRequestView implements CodecRequest {
  number = 0;
  readonly host = undefined;
  /** Counted in PgSession.pending once identified (sent upstream unless answered here). */
  counted = false;
  /** Answered here (an error rendered for it): a batch then ends at its first Flush. */
  answered = false;

  constructor(
    readonly method: string,
    readonly path: string,
    readonly expectsReply: boolean,
    readonly opening?: boolean,
    readonly localAnswer?: Buffer,
    /** The StartupMessage's parameters (user, database, application_name…), read by `header()`. */
    private readonly params?: ReadonlyMap<string, string>,
  ) {}

  header(name: string): string | undefined {
    return this.params?.get(name.toLowerCase());
  }

  query(): string | undefined {
    return undefined;
  }
}
