/**
 * A statement's first keyword, upper case, as `keyword` matches it: leading whitespace,
 * comments and opening parentheses are skipped (`(SELECT 1) UNION …` is a SELECT), and
 * `WITH … SELECT` stays WITH, because telling what a CTE ends in would mean parsing SQL.
 * `hashComments`: MySQL also starts a line comment with `#`.
 */
export function firstKeyword(sql: string, hashComments: boolean): string {
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x28 /* ( */ || c === 0x3b /* ; */) {
      i++;
    } else if ((c === 0x2d && sql.charCodeAt(i + 1) === 0x2d) || (hashComments && c === 0x23)) {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
      i = skipBlockComment(sql, i);
    } else {
      break;
    }
  }
  let j = i;
  while (j < n && isWordChar(sql.charCodeAt(j))) j++;
  return sql.slice(i, j).toUpperCase();
}

/** PostgreSQL nests block comments; MySQL does not, and for its text the outer end is as good. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.charCodeAt(i) === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
      depth++;
      i += 2;
    } else if (sql.charCodeAt(i) === 0x2a && sql.charCodeAt(i + 1) === 0x2f) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

function isWordChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}
