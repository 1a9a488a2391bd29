import type { CodecOptions } from '../pipeline/codec.js';

/** What both directions of one PostgreSQL connection share. */
export class PgSession {
  /** The server's last ReadyForQuery status: `I` idle, `T` in a transaction, `E` failed transaction. */
  status = 0x49;
  /** The encryption answer the server owes (`S` for an SSLRequest, `G` for a GSSENCRequest) under `tls: pass`. */
  encryptionPending: 0x53 | 0x47 | 0 = 0;
  /** Prepared statements by name ('' is the unnamed one): a later Bind still matches by its text. */
  readonly statements = new Map<string, string>();
  /** Portals by name, to the text of the statement they were bound from. */
  readonly portals = new Map<string, string>();
  /**
   * Requests sent upstream whose reply unit has not ended; an ErrorResponse while none is
   * outstanding (a FATAL on an idle session) answers nothing.
   */
  pending = 0;
  /**
   * A batch answered here ended at a Flush (its client waits for the error before it sends
   * Sync): what follows up to Sync is dropped without an answer, the server never saw the batch.
   */
  swallowToSync = false;

  constructor(readonly options: CodecOptions) {}
}
