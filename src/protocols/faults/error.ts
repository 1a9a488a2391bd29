import type { ToxicAttributes } from '../../api/toxic-types.js';
import type { RequestToxicImpl } from '../message.js';

/**
 * Answers instead of forwarding, in the protocol's own format: HTTP reads status, body and
 * headers; Redis and memcached `message` (and `miss`); PostgreSQL and MySQL `message`,
 * `sqlstate`, `severity`, `code`.
 */
export const error: RequestToxicImpl<ToxicAttributes<'error'>> = {
  act: (a) => ({
    kind: 'answer',
    reply: { status: a.status, body: a.body, headers: a.response_headers, message: a.message, sqlstate: a.sqlstate, severity: a.severity, code: a.code, miss: a.miss },
  }),
};
