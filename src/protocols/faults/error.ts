import type { ToxicAttributes } from '../../api/toxic-types.js';
import type { RequestToxicImpl } from '../message.js';

/** Answers instead of forwarding, in the protocol's own format (HTTP: status, body, headers). */
export const error: RequestToxicImpl<ToxicAttributes<'error'>> = {
  act: (a) => ({ kind: 'answer', reply: { status: a.status, body: a.body, headers: a.response_headers } }),
};
