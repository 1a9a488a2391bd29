import type { ToxicAttributes } from '../../api/toxic-types.js';
import type { RequestToxicImpl } from '../message.js';

/** Holds the request before forwarding, or the response before delivering, ms ± jitter. */
export const delay: RequestToxicImpl<ToxicAttributes<'delay'>> = {
  act: (a, _request, ctx) => {
    const ms = a.jitter > 0 ? Math.max(0, a.ms + Math.floor(ctx.random() * 2 * a.jitter) - a.jitter) : a.ms;
    return { kind: 'delay', ms, where: a.where };
  },
};
