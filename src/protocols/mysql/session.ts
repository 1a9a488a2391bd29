import type { CodecOptions } from '../pipeline/codec.js';
import type { MyRequestView } from './view.js';

export const enum Phase {
  /** Before the server's first packet. */
  Greeting,
  /** The handshake response and authentication (also after COM_CHANGE_USER). */
  Auth,
  Command,
}

/** How a command's reply is framed. */
export const enum ReplyKind {
  /** OK, ERR, LOCAL INFILE or result set(s), text or binary: COM_QUERY, COM_STMT_EXECUTE, COM_PING… */
  Result,
  /** COM_STMT_PREPARE_OK, then parameter and column definitions. */
  Prepare,
  /** Rows up to a terminator: COM_STMT_FETCH, COM_FIELD_LIST. */
  Rows,
  /** One packet whatever it holds: COM_STATISTICS, COM_SET_OPTION. */
  Single,
  /** An authentication exchange ending in OK or ERR: COM_CHANGE_USER. */
  Auth,
}

export const CLIENT_COMPRESS = 0x20;
export const CLIENT_SSL = 0x800;
export const CLIENT_DEPRECATE_EOF = 0x1000000;
/** MySQL 8: a metadata_follows byte may drop column definitions from a result set. */
export const CLIENT_OPTIONAL_RESULTSET_METADATA = 0x2000000;
/** MySQL 8: COM_QUERY carries a parameter block before its text. */
export const CLIENT_QUERY_ATTRIBUTES = 0x8000000;
/** MariaDB (extended capabilities): result sets may leave out column definitions the client cached. */
export const MARIADB_CLIENT_CACHE_METADATA = 1 << 4;

/** What both directions of one MySQL connection share. */
export class MySession {
  phase = Phase.Greeting;
  /** Capabilities the server announced (lower 32 bits), before any change the codec made. */
  serverCaps = 0;
  /** The client's, from its handshake response; -1 before it. */
  clientCaps = -1;
  /** MariaDB's extended capabilities (the upper 32 bits), when the server cleared CLIENT_MYSQL. */
  serverExtCaps = 0;
  clientExtCaps = 0;
  deprecateEof = false;
  queryAttributes = false;
  /** MariaDB: a column count is followed by a byte saying whether the definitions follow. */
  cacheMetadata = false;
  /** Both sides set CLIENT_COMPRESS: every packet after authentication is in a compressed envelope. */
  compress = false;
  /** Statement ids (from COM_STMT_PREPARE_OK) to their text, so COM_STMT_EXECUTE matches by it. */
  readonly statements = new Map<number, string>();
  /** MariaDB's statement id 0xffffffff: the last statement prepared. */
  lastPrepared: string | undefined;
  /** The last COM_STMT_PREPARE was answered here: there is no "last prepared" statement upstream to run. */
  lastPrepareAnswered = false;
  /** Commands sent upstream whose reply has not begun, in order; an injected answer takes its own out. */
  readonly expected: MyRequestView[] = [];

  constructor(readonly options: CodecOptions) {}

  both(flag: number): boolean {
    return (this.serverCaps & flag) !== 0 && this.clientCaps >= 0 && (this.clientCaps & flag) !== 0;
  }
}
