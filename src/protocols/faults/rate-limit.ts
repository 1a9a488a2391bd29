import type { ToxicAttributes } from '../../api/toxic-types.js';
import type { RequestToxicImpl } from '../message.js';

interface Window {
  start: number;
  used: number;
}

/**
 * A fixed window shared by the proxy's connections (toxy's rateLimit): the first `limit`
 * matching requests of each window pass, the rest are answered with `status` and the headers
 * clients use to back off.
 */
export const rateLimit: RequestToxicImpl<ToxicAttributes<'rate_limit'>> = {
  act: (a, _request, ctx) => {
    const now = ctx.now();
    let w = ctx.shared.window as Window | undefined;
    if (w === undefined || now - w.start >= a.window) w = ctx.shared.window = { start: now, used: 0 };
    w.used++;
    if (w.used <= a.limit) return null;
    const resetMs = Math.max(0, Math.ceil(w.start + a.window - now));
    return {
      kind: 'answer',
      reply: {
        status: a.status,
        body: a.body ?? `rate limit of ${a.limit} requests per ${a.window} ms exceeded\n`,
        headers: {
          'Retry-After': String(Math.max(1, Math.ceil(resetMs / 1000))),
          'X-RateLimit-Limit': String(a.limit),
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset': String(resetMs),
        },
      },
    };
  },
};
