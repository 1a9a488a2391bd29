import type { ToxicAttributes } from '../../api/toxic-types.js';
import type { RequestToxicImpl } from '../message.js';

/** Trickles the response header section over `ms`, so a client's header timeout can fire. */
export const slowHeaders: RequestToxicImpl<ToxicAttributes<'slow_headers'>> = {
  act: (a) => ({ kind: 'slow_headers', ms: a.ms }),
};
