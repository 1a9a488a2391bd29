import type { RequestToxicImpl } from '../message.js';

/** Swallows the request and never answers; the connection stays open. */
export const hang: RequestToxicImpl<unknown> = {
  act: () => ({ kind: 'hang' }),
};
