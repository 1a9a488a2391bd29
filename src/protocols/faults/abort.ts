import type { ToxicAttributes } from '../../api/toxic-types.js';
import type { RequestToxicImpl } from '../message.js';

/** Closes or resets the connection instead of forwarding the request, or instead of its response. */
export const abort: RequestToxicImpl<ToxicAttributes<'abort'>> = {
  act: (a) => ({ kind: 'abort', reset: a.reset, where: a.where }),
};
