import type { ToxicAttributes } from '../../api/toxic-types.js';
import type { RequestToxicImpl } from '../message.js';

/** Forwards the request, delivers the response head and `bytes` of its body, then cuts. */
export const truncate: RequestToxicImpl<ToxicAttributes<'truncate'>> = {
  act: (a) => ({ kind: 'truncate', bytes: a.bytes, reset: a.reset }),
};
