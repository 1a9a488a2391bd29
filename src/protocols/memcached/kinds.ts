/** How the server's reply to a memcached command is delimited. */
export const enum ReplyKind {
  /** One line: STORED, DELETED, a number, VERSION …, OK, or an error line. */
  Line,
  /** `VALUE <key> <flags> <bytes> [<cas>]` + data blocks, then `END` (get, gets, gat, gats). */
  Values,
  /** `STAT …` (or `ITEM …`, `PREFIX …`) lines, then `END` (stats). */
  Lines,
}

export const STORAGE = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas']);
export const RETRIEVAL = new Set(['get', 'gets', 'gat', 'gats']);
export const META = new Set(['mg', 'ms', 'md', 'ma', 'mn', 'me']);
/** Commands answered NOT_FOUND when a toxic asks for a miss. */
export const MISS_NOT_FOUND = new Set(['delete', 'incr', 'decr', 'touch', 'cas']);
/** Commands that take `noreply` as their last token. */
export const NOREPLY = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas', 'delete', 'incr', 'decr', 'touch', 'flush_all', 'verbosity']);
