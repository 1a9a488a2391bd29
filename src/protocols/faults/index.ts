import type { requestToxics } from '../../api/request-toxics.js';
import type { RequestToxicImpl } from '../message.js';
import { abort } from './abort.js';
import { delay } from './delay.js';
import { error } from './error.js';
import { hang } from './hang.js';
import { mix } from './mix.js';
import { rateLimit } from './rate-limit.js';
import { slowHeaders } from './slow-headers.js';
import { truncate } from './truncate.js';

export type RequestToxicType = keyof typeof requestToxics;

/** Every request-level toxic's implementation; the compiler checks it covers the API's list. */
export const requestToxicImpls: { readonly [T in RequestToxicType]: RequestToxicImpl<any> } = {
  error,
  delay,
  hang,
  abort,
  rate_limit: rateLimit,
  truncate,
  slow_headers: slowHeaders,
  mix,
};

export { pluginRequestImpl, registerRequestImpl } from './plugins.js';
