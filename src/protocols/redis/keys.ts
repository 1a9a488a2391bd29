/**
 * Where a Redis command's first key is, so a request's `path` (and the `key` glob) means the
 * same across commands: most take it as their first argument; these do not.
 */

/** The first key follows a `numkeys` argument at this index. */
export const NUMKEYS = 0x100;
/** The first key follows the `STREAMS` token (XREAD, XREADGROUP). */
export const STREAMS = 0x200;
/** No key at all. */
export const NO_KEY = -1;

const NONE = [
  'ACL', 'ASKING', 'AUTH', 'BGREWRITEAOF', 'BGSAVE', 'CLIENT', 'CLUSTER', 'COMMAND', 'CONFIG', 'DBSIZE', 'DEBUG', 'DISCARD',
  'ECHO', 'EXEC', 'FAILOVER', 'FLUSHALL', 'FLUSHDB', 'FUNCTION', 'HELLO', 'INFO', 'KEYS', 'LASTSAVE', 'LATENCY', 'LOLWUT',
  'MODULE', 'MONITOR', 'MULTI', 'PING', 'PSUBSCRIBE', 'PSYNC', 'PUBLISH', 'PUBSUB', 'PUNSUBSCRIBE', 'QUIT', 'RANDOMKEY',
  'READONLY', 'READWRITE', 'REPLCONF', 'REPLICAOF', 'RESET', 'ROLE', 'SAVE', 'SCAN', 'SCRIPT', 'SELECT', 'SHUTDOWN', 'SLAVEOF',
  'SLOWLOG', 'SPUBLISH', 'SSUBSCRIBE', 'SUBSCRIBE', 'SUNSUBSCRIBE', 'SWAPDB', 'SYNC', 'TIME', 'UNSUBSCRIBE', 'UNWATCH', 'WAIT',
  'WAITAOF',
];

const SPECIAL: Record<string, number> = {
  // EVAL script numkeys key…
  EVAL: NUMKEYS | 2,
  EVALSHA: NUMKEYS | 2,
  EVAL_RO: NUMKEYS | 2,
  EVALSHA_RO: NUMKEYS | 2,
  FCALL: NUMKEYS | 2,
  FCALL_RO: NUMKEYS | 2,
  // ZUNION numkeys key…
  ZUNION: NUMKEYS | 1,
  ZINTER: NUMKEYS | 1,
  ZDIFF: NUMKEYS | 1,
  ZINTERCARD: NUMKEYS | 1,
  SINTERCARD: NUMKEYS | 1,
  LMPOP: NUMKEYS | 1,
  ZMPOP: NUMKEYS | 1,
  // BLMPOP timeout numkeys key…
  BLMPOP: NUMKEYS | 2,
  BZMPOP: NUMKEYS | 2,
  // A subcommand, then the key.
  OBJECT: 2,
  MEMORY: 2,
  XINFO: 2,
  XGROUP: 2,
  BITOP: 2,
  // MIGRATE host port key|"" destination-db timeout …
  MIGRATE: 3,
  XREAD: STREAMS,
  XREADGROUP: STREAMS,
};

const TABLE = new Map<string, number>([...NONE.map((c) => [c, NO_KEY] as const), ...Object.entries(SPECIAL)]);

/** The index of a command's first key, NO_KEY, or NUMKEYS | i, or STREAMS; the command in upper case. */
export function firstKeyAt(command: string): number {
  return TABLE.get(command) ?? 1;
}
